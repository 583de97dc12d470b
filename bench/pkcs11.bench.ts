/**
 * PKCS#11 provider benchmark on throwaway SoftHSM2 and NSS softokn tokens, as ratios measured in this same run:
 *   1. provider ops/s vs raw graphene calls on the same token objects, one op in flight, on each token. The raw
 *      calls are graphene C_*Init + pkcs11js's async C_Encrypt/C_Sign in a bare promise (token-ops.ts; graphene's
 *      own `once` lets the GC free the input mid-call), on a session of their own:
 *      AES-GCM 1 KiB Encrypt, RSA-2048 PKCS#1 sign, ECDSA P-256 sign. Target ≥ 0.9× on SoftHSM2.
 *   2. concurrency (SoftHSM2): RSA-2048 sign with 4 sessions and 4 calls in flight vs 1 session. Target ≥ 1.6× on 2
 *   cores.
 * The NSS token is the tests' one (test/support/nss-token.ts): its key DB's PBKDF2 count is lowered, otherwise every
 * private-key use costs ≈ 40 ms of PBKDF2 and the ratios would only measure that.
 *   npx tsx bench/pkcs11.bench.ts            (npm run bench -- pkcs11)
 * Each figure is the best of several rounds, alternating candidate and baseline, because the machine is shared.
 */
import { createHash, pbkdf2, randomBytes } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import * as graphene from 'graphene-pk11'
import { MemoryKeyStore } from '../packages/core/src/index.js'
import { Pkcs11KeyProvider } from '../providers/pkcs11/src/index.js'
import { createTestToken } from '../test/support/test-tokens.js'
import type { TestToken } from '../test/support/test-token.js'

/**
 * The baseline calls, kept here rather than imported from the provider so that tuning the provider's own call
 * path cannot move the baseline: graphene's C_*Init (createCipher / createSign), then pkcs11js's async call with
 * the inputs captured by the callback (as in token-ops.ts; graphene's `once` lets the GC free them mid-call).
 */
function rawEncrypt(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
  outLength: number,
): Promise<Buffer> {
  session.createCipher(mech, key)
  const out = Buffer.alloc(outLength)
  return new Promise((resolve, reject) =>
    session.lib.C_Encrypt(session.handle, data, out, (e, v) =>
      data.length < 0 ? undefined : e ? reject(e) : resolve(v as Buffer),
    ),
  )
}

function rawSign(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
): Promise<Buffer> {
  session.createSign(mech, key)
  const out = Buffer.alloc(512)
  return new Promise((resolve, reject) =>
    session.lib.C_Sign(session.handle, data, out, (e, v) =>
      data.length < 0 ? undefined : e ? reject(e) : resolve(v as Buffer),
    ),
  )
}

const ROUNDS = 12
const ROUND_MS = 250

/** Runs `fn` back to back from `inFlight` concurrent loops; `fn` gets its loop's index. */
/**
 * Ops per wall-clock second, and per CPU second of this process (main + worker threads, so the token's work counts).
 */
async function opsPerSecond(
  fn: (lane: number) => Promise<unknown>,
  inFlight = 1,
): Promise<{ wall: number; cpu: number }> {
  let done = 0
  const end = performance.now() + ROUND_MS
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      while (performance.now() < end) {
        await fn(lane)
        done++
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return { wall: done / ((performance.now() - start) / 1000), cpu: done / ((cpu.user + cpu.system) / 1e6) }
}

/**
 * Alternates baseline and candidate (ABBA order) for ROUNDS rounds; reports the best ops/s of each and the
 * median of the per-round ratios, which is steadier than a ratio of bests when other work shares the cores.
 */
async function compare(
  base: [(lane: number) => Promise<unknown>, number],
  cand: [(lane: number) => Promise<unknown>, number],
): Promise<{ base: number; cand: number; ratio: number; cpuRatio: number }> {
  let b = 0
  let c = 0
  const ratios: number[] = []
  const cpuRatios: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [base, cand] : [cand, base]
    const [x, y] = [await opsPerSecond(...order[0]!), await opsPerSecond(...order[1]!)]
    const [rb, rc] = r % 2 === 0 ? [x, y] : [y, x]
    b = Math.max(b, rb.wall)
    c = Math.max(c, rc.wall)
    ratios.push(rc.wall / rb.wall)
    cpuRatios.push(rc.cpu / rb.cpu)
  }
  const median = (v: number[]): number => v.sort((p, q) => p - q)[Math.floor(v.length / 2)] as number
  return { base: b, cand: c, ratio: median(ratios), cpuRatio: median(cpuRatios) }
}

const pbkdf2Once = (): Promise<unknown> => new Promise((resolve) => pbkdf2('pw', 'salt', 4000, 32, 'sha256', resolve))

const line = (name: string, ops: number, note: string): string =>
  `  ${name.padEnd(44)} ${ops.toFixed(0).padStart(7)} ops/s   ${note}`

/**
 * A graphene session on `token`, beside the provider's (a module already initialised by the provider is used
 * as it is: NSS would take a second C_Initialize as a second instance).
 */
function baselineSession(
  token: TestToken,
  flags = graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION,
): { module: graphene.Module; slot: graphene.Slot; session: graphene.Session } {
  const module = graphene.Module.load(token.modulePath)
  try {
    module.initialize(token.libraryParameters ? { libraryParameters: token.libraryParameters, flags: 2 } : undefined)
  } catch (e) {
    if (!/ALREADY_INITIALIZED/.test(String(e))) throw e
  }
  const slots = module.getSlots(true)
  let slot: graphene.Slot | undefined
  for (let i = 0; i < slots.length; i++)
    if (slots.items(i).getToken().label.trim() === token.label) slot = slots.items(i)
  if (!slot) throw new Error(`no token ${token.label}`)
  return { module, slot, session: slot.open(flags) }
}

/** The three hot paths on `token`: provider vs raw graphene on the same objects. */
async function hotPaths(
  title: string,
  token: TestToken,
  provider: Pkcs11KeyProvider,
): Promise<{
  rsaKey: graphene.Key
  rawRsa: () => Promise<unknown>
  slot: graphene.Slot
  session: graphene.Session
  rsaKeyId: string
  message: Buffer
}> {
  const aes = await provider.createKey({ alias: 'bench-aes' })
  const rsa = await provider.createKey({ alias: 'bench-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
  const ec = await provider.createKey({ alias: 'bench-ec', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
  // The baseline: graphene on its own session, on the very token objects the provider made.
  const { slot, session } = baselineSession(token)
  const find = (cls: number, keyId: string) =>
    session
      .find({ class: cls, id: Buffer.from(`${keyId}/v1`) })
      .items(0)
      .toType<graphene.Key>()
  const aesKey = find(graphene.ObjectClass.SECRET_KEY, aes.keyId)
  const rsaKey = find(graphene.ObjectClass.PRIVATE_KEY, rsa.keyId)
  const ecKey = find(graphene.ObjectClass.PRIVATE_KEY, ec.keyId)
  const plaintext = randomBytes(1024)
  const message = randomBytes(256)
  const aad = randomBytes(60)

  // CK_GCM_PARAMS of PKCS#11 v2.40 (with ulIvBits): NSS refuses the older layout.
  const rawAes = () =>
    rawEncrypt(
      session,
      { name: 'AES_GCM', params: new graphene.AesGcm240Params(randomBytes(12), aad, 128) },
      aesKey,
      plaintext,
      1024 + 16,
    )
  const rawRsa = () => rawSign(session, 'SHA256_RSA_PKCS', rsaKey, message)
  const rawEc = () => rawSign(session, 'ECDSA', ecKey, createHash('sha256').update(message).digest())
  const encrypt = () => provider.encrypt({ keyId: aes.keyId, plaintext, encryptionContext: { app: 'bench' } })
  const signRsa = () => provider.signByAsymmetricKey({ keyId: rsa.keyId, algorithm: 'RSA_PKCS1_SHA_256', message })
  const signEc = () => provider.signByAsymmetricKey({ keyId: ec.keyId, algorithm: 'ECC_P256_R1', message })

  console.log(`${title}, one call in flight; ratio = median of ${ROUNDS} alternating rounds`)
  for (const [name, raw, mine] of [
    ['AES-GCM 1 KiB Encrypt', rawAes, encrypt],
    ['RSA-2048 sign (PKCS#1 v1.5, SHA-256)', rawRsa, signRsa],
    ['ECDSA P-256 sign (SHA-256, DER)', rawEc, signEc],
  ] as const) {
    const m = await compare([raw, 1], [mine, 1])
    console.log(line(`raw graphene ${name}`, m.base, '(baseline)'))
    console.log(
      line(
        `provider ${name}`,
        m.cand,
        `${m.ratio.toFixed(3)} × raw graphene (target ≥ 0.9); per CPU-second ${m.cpuRatio.toFixed(3)} ×`,
      ),
    )
  }
  return { rsaKey, rawRsa, slot, session, rsaKeyId: rsa.keyId, message }
}

const token = createTestToken('softhsm2')
const nss = createTestToken('nss')
// One store for both providers: they are two pools over the same keys.
const opts = { ...token.options, store: new MemoryKeyStore() }
const provider = new Pkcs11KeyProvider({ ...opts, poolSize: 4 })
const single = new Pkcs11KeyProvider({ ...opts, poolSize: 1 })
const nssProvider = new Pkcs11KeyProvider({ ...nss.options, store: new MemoryKeyStore(), poolSize: 4 })
try {
  await single.connect()
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores (the machine is shared: wall-clock ratios move with it)`,
  )
  const soft = await hotPaths(`Pkcs11KeyProvider on SoftHSM2 (${token.modulePath})`, token, provider)
  const signRsa = (p: Pkcs11KeyProvider) => () =>
    p.signByAsymmetricKey({ keyId: soft.rsaKeyId, algorithm: 'RSA_PKCS1_SHA_256', message: soft.message })

  console.log('Concurrency: RSA-2048 sign, 4 sessions with 4 calls in flight vs 1 session')
  // Control: how much parallelism the shared machine gives this process right now, token aside.
  const control = await compare([pbkdf2Once, 1], [pbkdf2Once, 4])
  console.log(line('control: node pbkdf2 on the libuv pool, 1', control.base, '(what 1 thread gets)'))
  console.log(
    line(
      'control: node pbkdf2 on the libuv pool, 4',
      control.cand,
      `${control.ratio.toFixed(3)} × (the machine's ceiling for any 4 vs 1)`,
    ),
  )
  const sessions = Array.from({ length: 4 }, () => soft.slot.open(graphene.SessionFlag.SERIAL_SESSION))
  // One session per lane: two calls on one session at once is exactly what crashes a token (and what the pool
  // prevents).
  const laneKeys = sessions.map((s) => new graphene.Key(soft.rsaKey.handle, s, s.lib))
  const rawRsaAny = (lane: number) =>
    rawSign(sessions[lane] as graphene.Session, 'SHA256_RSA_PKCS', laneKeys[lane] as graphene.Key, soft.message)
  const rawScale = await compare([soft.rawRsa, 1], [rawRsaAny, 4])
  console.log(line('raw graphene, 1 session', rawScale.base, '(baseline: what the token and the cores allow)'))
  console.log(line('raw graphene, 4 sessions, 4 in flight', rawScale.cand, `${rawScale.ratio.toFixed(3)} × 1 session`))
  const scale = await compare([signRsa(single), 1], [signRsa(provider), 4])
  console.log(line('provider poolSize 1, 1 in flight', scale.base, '(baseline)'))
  console.log(
    line('provider poolSize 4, 4 in flight', scale.cand, `${scale.ratio.toFixed(3)} × poolSize 1 (target ≥ 1.6)`),
  )
  for (const s of sessions) s.close()
  soft.session.close()

  const onNss = await hotPaths(
    `Pkcs11KeyProvider on NSS softokn (${nss.modulePath}, libraryParameters)`,
    nss,
    nssProvider,
  )
  onNss.session.close()
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
} finally {
  await provider.close()
  await single.close()
  await nssProvider.close()
  await token.remove()
  await nss.remove()
}
