import { randomBytes } from 'node:crypto'
import pkcs11 from 'pkcs11js'
import {
  KeywardError,
  ManualClock,
  MemoryKeyStore,
  SecretString,
  isKeywardError,
  type KeyUsage,
  type ProviderCapabilities,
} from '@keyward/core'
import { resolveOptions } from './config.js'
import { Pkcs11KeyProvider } from './pkcs11-key-provider.js'
import { PROBE_FEATURES } from './probe-features.js'
import { toKeywardError } from './pkcs11-errors.js'
import { TokenConnection } from './token-connection.js'
import { OPTIONAL_FUNCTIONS, type OptionalFunction, type TokenFacts } from './token-facts.js'
import { planFor } from './token-plan.js'

/** Where the token is, and optionally the user PIN: without it only what needs no login is read. */
export interface ProbeOptions {
  modulePath: string
  libraryParameters?: string
  tokenLabel?: string
  /** Used when no label is given (default 0: the first slot with a token). */
  slotIndex?: number
  pin?: SecretString | string
  /**
   * Stops trying features (Ctrl-C): the features not yet tried are reported as such, and the keys already made are
   * still deleted before the probe returns.
   */
  signal?: AbortSignal
}

/** What happened to one feature: it worked, the token lacks what it needs, or it was tried and failed. */
export type ProbeOutcome =
  | { readonly status: 'works'; readonly detail: string }
  | { readonly status: 'missing'; readonly missing: string }
  | { readonly status: 'failed'; readonly code: string; readonly backendCode?: string; readonly message: string }
  | { readonly status: 'not tried'; readonly reason: string }

/** The whole answer of `keyward hsm probe`. */
export interface ProbeReport {
  readonly library: TokenFacts['library']
  readonly token: TokenFacts['token']
  readonly functions: Readonly<Record<OptionalFunction, boolean>>
  readonly mechanisms: ReadonlyArray<{
    name: string
    type: string
    flags: string[]
    minKeySize: number
    maxKeySize: number
  }>
  readonly capabilities: ProviderCapabilities
  readonly features: ReadonlyArray<{ feature: string; outcome: ProbeOutcome }>
  /**
   * Objects of the probe still on the token afterwards (0 unless deletion itself failed); undefined: none were made.
   */
  readonly objectsLeft: number | undefined
  /** The KeyIds of the temporary keys (their token objects had CKA_ID `<KeyId>/…`), for an independent check. */
  readonly temporaryKeyIds: readonly string[]
}

const FLAG_NAMES = [
  'HW',
  'ENCRYPT',
  'DECRYPT',
  'DIGEST',
  'SIGN',
  'SIGN_RECOVER',
  'VERIFY',
  'VERIFY_RECOVER',
  'GENERATE',
  'GENERATE_KEY_PAIR',
  'WRAP',
  'UNWRAP',
  'DERIVE',
] as const
const flagsOf = (flags: number): string[] =>
  FLAG_NAMES.filter((f) => (flags & (pkcs11 as unknown as Record<string, number>)[`CKF_${f}`]!) !== 0)

function failed(e: unknown): ProbeOutcome {
  const err = isKeywardError(e) ? e : toKeywardError(e, 'Probe')
  return {
    status: 'failed',
    code: err.code,
    ...(err.backendCode ? { backendCode: err.backendCode } : {}),
    message: err.message,
  }
}

function reportBase(
  facts: TokenFacts,
  capabilities: ProviderCapabilities,
): Omit<ProbeReport, 'features' | 'objectsLeft' | 'temporaryKeyIds'> {
  const functions = Object.fromEntries(OPTIONAL_FUNCTIONS.map((f) => [f, facts.functions.has(f)])) as Record<
    OptionalFunction,
    boolean
  >
  const mechanisms = [...facts.mechanisms.values()].map((m) => ({
    name: m.name.startsWith('0x') ? m.name : `CKM_${m.name}`,
    type: `0x${m.type.toString(16).padStart(8, '0')}`,
    flags: flagsOf(m.flags),
    minKeySize: m.minKeySize,
    maxKeySize: m.maxKeySize,
  }))
  return { library: facts.library, token: facts.token, functions, mechanisms, capabilities }
}

/** Without a PIN: the token's answers, and GenerateRandom on a public session; nothing is created. */
async function readOnlyProbe(o: ProbeOptions): Promise<ProbeReport> {
  const connection = new TokenConnection({
    modulePath: o.modulePath,
    libraryParameters: o.libraryParameters,
    tokenLabel: o.tokenLabel,
    slotIndex: o.tokenLabel === undefined ? (o.slotIndex ?? 0) : undefined,
    pin: new SecretString(''),
  })
  try {
    const facts = connection.facts()
    const plan = planFor(facts, new Map())
    let random: ProbeOutcome
    try {
      const session = connection.publicSession()
      try {
        random = { status: 'works', detail: `${session.generateRandom(32).length} bytes without login` }
      } finally {
        session.close()
      }
    } catch (e) {
      random = failed(e)
    }
    const features = PROBE_FEATURES.map((f) => ({
      feature: f.name,
      outcome:
        f.requires === undefined
          ? random
          : { status: 'not tried' as const, reason: 'no PIN given (--pin-env): nothing is created without one' },
    }))
    return { ...reportBase(facts, plan.capabilities), features, objectsLeft: undefined, temporaryKeyIds: [] }
  } finally {
    connection.close()
  }
}

/** Destroys what the probe left with CKA_ID `<KeyId>/…` of its keys; returns how many objects it found. */
function sweepLeftovers(o: ProbeOptions, pin: SecretString, keyIds: readonly string[]): number {
  if (keyIds.length === 0) return 0
  const connection = new TokenConnection({
    modulePath: o.modulePath,
    libraryParameters: o.libraryParameters,
    tokenLabel: o.tokenLabel,
    slotIndex: o.tokenLabel === undefined ? (o.slotIndex ?? 0) : undefined,
    pin,
  })
  try {
    const session = connection.openSession()
    try {
      const found = session.find({})
      let n = 0
      for (let i = 0; i < found.length; i++) {
        const obj = found.items(i)
        const id = (obj.getAttribute({ id: null }).id as Buffer | undefined)?.toString('latin1') ?? ''
        if (keyIds.some((k) => id.startsWith(`${k}/`))) {
          session.destroy(obj)
          n++
        }
      }
      return n
    } finally {
      session.close()
    }
  } finally {
    connection.close()
  }
}

/**
 * Finds out what a PKCS#11 token can do for Keyward: its info, mechanisms and optional functions, the
 * capabilities Keyward derives from them, and, with a PIN, every feature actually tried through the provider on
 * temporary keys that are deleted afterwards (ScheduleKeyDeletion and the purge, then a sweep by CKA_ID of
 * anything left, then a count that must be 0). Without a PIN nothing is created.
 *
 * @example
 * ```ts
 * const modulePath = '/usr/lib/softhsm/libsofthsm2.so'
 * const report = await probeToken({ modulePath, tokenLabel: 'prod', pin: process.env.HSM_PIN })
 * for (const f of report.features) console.log(f.feature, f.outcome.status)
 * ```
 */
export async function probeToken(o: ProbeOptions): Promise<ProbeReport> {
  if (o === null || typeof o !== 'object' || typeof o.modulePath !== 'string')
    throw new KeywardError('MissingParameter', 'probeToken needs { modulePath }.')
  if (o.pin === undefined || o.pin === '') return readOnlyProbe(o)
  const pin = o.pin instanceof SecretString ? o.pin : new SecretString(o.pin)
  const clock = new ManualClock()
  const keyIds: string[] = []
  const options = {
    modulePath: o.modulePath,
    ...(o.libraryParameters !== undefined ? { libraryParameters: o.libraryParameters } : {}),
    ...(o.tokenLabel !== undefined ? { tokenLabel: o.tokenLabel } : { slotIndex: o.slotIndex ?? 0 }),
    pin,
    store: new MemoryKeyStore(),
    clock,
    metadataCacheMs: 0,
    poolSize: 2,
    name: 'hsm-probe',
  }
  resolveOptions(options)
  const provider = new Pkcs11KeyProvider(options)
  const features: Array<{ feature: string; outcome: ProbeOutcome }> = []
  let base: Omit<ProbeReport, 'features' | 'objectsLeft' | 'temporaryKeyIds'>
  try {
    const plan = provider.tokenPlan()
    base = reportBase(plan.facts, plan.capabilities)
    const make = async (usage: KeyUsage, type: 1 | 2 = 1): Promise<string> => {
      const key = await provider.createKey({
        alias: `hsm-probe-${randomBytes(6).toString('hex')}`,
        keyUsage: usage,
        ...(type === 2 ? { type: 2 } : {}),
      })
      keyIds.push(key.keyId)
      return key.keyId
    }
    for (const f of PROBE_FEATURES) {
      if (o.signal?.aborted) {
        features.push({ feature: f.name, outcome: { status: 'not tried', reason: 'interrupted' } })
        continue
      }
      const declared =
        f.requires === undefined || (plan.capabilities[f.requires[0]] as readonly string[]).includes(f.requires[1])
      if (!declared) {
        features.push({
          feature: f.name,
          outcome: { status: 'missing', missing: plan.gaps.get(f.requires?.[1] ?? '') ?? 'not offered' },
        })
        continue
      }
      try {
        features.push({ feature: f.name, outcome: { status: 'works', detail: await f.run(provider, make) } })
      } catch (e) {
        features.push({ feature: f.name, outcome: failed(e) })
      }
    }
    features.push({
      feature: 'ScheduleKeyDeletion purges the token objects',
      outcome: await deleteAll(provider, clock, keyIds),
    })
  } finally {
    await provider.close()
  }
  const before = sweepLeftovers(o, pin, keyIds)
  if (keyIds.length > 0 && before > 0) {
    const last = features[features.length - 1] as { outcome: ProbeOutcome }
    if (last.outcome.status === 'works')
      last.outcome = {
        status: 'failed',
        code: 'InternalError',
        message: `${before} token objects were still there after the purge (now destroyed).`,
      }
  }
  return {
    ...base,
    features,
    objectsLeft: keyIds.length === 0 ? undefined : sweepLeftovers(o, pin, keyIds),
    temporaryKeyIds: keyIds,
  }
}

/** Disables and schedules every probe key for deletion, moves the clock past the window and lets ListKeys purge. */
async function deleteAll(
  provider: Pkcs11KeyProvider,
  clock: ManualClock,
  keyIds: readonly string[],
): Promise<ProbeOutcome> {
  if (keyIds.length === 0) return { status: 'not tried', reason: 'no key was created' }
  try {
    for (const keyId of keyIds) {
      const meta = await provider.describeKey(keyId)
      if (meta.keyState === 'Enabled') await provider.disableKey(keyId)
      await provider.scheduleKeyDeletion(keyId, 7)
    }
    clock.advance(8 * 86_400_000)
    const left = (await provider.listKeys({ searchKeyAlias: 'hsm-probe-' })).totalCount
    if (left !== 0) return { status: 'failed', code: 'InternalError', message: `${left} keys were not purged.` }
    return { status: 'works', detail: `${keyIds.length} keys and their token objects purged` }
  } catch (e) {
    return failed(e)
  }
}
