import {
  complianceProfile,
  requireCompliant,
  strictestCompliance,
  type ComplianceSetting,
} from './compliance-checks.js'
import type { ComplianceProfile, ComplianceProfileName, ComplianceSubject } from './compliance-profiles.js'
import { KeywardError } from './errors.js'
import type { KeyProvider } from './key-provider.js'

/**
 * Where a compliance profile is in force: the whole process (set once by the container, `keyward` or the app, and
 * never loosened — as `crypto.setFips`), and each provider wrapped by `withCompliance`. Flows combine both with
 * their own option, so neither a per-call option nor a flow built without a provider can step outside the profile.
 */

// On globalThis under a registered symbol: two copies of @keyward/core in one process still share one setting.
const PROCESS_SLOT = Symbol.for('keyward.compliance.process')
type Slot = { profile: ComplianceProfileName; source: string }
const slotHolder = globalThis as unknown as Record<symbol, Slot | undefined>

/**
 * Puts `profile` in force for the whole process. Setting the same profile again is a no-op, `none` changes nothing
 * (a profile is never loosened), and another profile once one is set is refused.
 *
 * @example
 * ```ts
 * enforceComplianceProcessWide('gm', 'keyward.config.json')
 * new EnvelopeClient({ keyring, suite: 'AES_256_GCM_HKDF_SHA256_COMMIT' }) // UnsupportedOperation.ComplianceProfile
 * ```
 */
export function enforceComplianceProcessWide(profile: ComplianceProfileName, source = 'this process'): void {
  const current = slotHolder[PROCESS_SLOT]
  const next = strictestCompliance([...(current ? [current] : []), { profile, source }])
  if (next !== 'none' && !current) slotHolder[PROCESS_SLOT] = { profile: next, source }
}

/** The profile in force for the whole process (`none` until one is set). */
export function processCompliance(): ComplianceProfileName {
  return slotHolder[PROCESS_SLOT]?.profile ?? 'none'
}

/** A decryption that a profile refuses but `allowLegacyDecrypt` let through: what the audit records. */
export interface LegacyDecryptEvent {
  /** Tencent Action (Decrypt, ReEncrypt, AsymmetricRsaDecrypt, ...) or flow operation (EnvelopeDecrypt). */
  readonly action: string
  readonly keyId: string
  /** What the profile does not allow: a key spec, blob cipher, algorithm or envelope suite. */
  readonly algorithm: string
  readonly profile: ComplianceProfileName
}

/** What `withCompliance` attaches to a provider: its profile and its legacy-decrypt rule. */
export interface ComplianceBinding {
  readonly profile: ComplianceProfile
  /** Decrypting data made with algorithms the profile refuses (migrations only); every such call is audited. */
  readonly allowLegacyDecrypt: boolean
  /** Records a legacy decryption (the wrapper's audit); resolves once recorded. */
  recordLegacyDecrypt(event: LegacyDecryptEvent): Promise<void>
}

/** The property under which a provider carries its {@link ComplianceBinding}. */
export const COMPLIANCE_BINDING: unique symbol = Symbol.for('keyward.compliance.binding') as never

/**
 * The binding a provider was wrapped with, if any — or, for an object built on a provider (a master key, an index
 * key), the binding it passes on under the same symbol.
 */
export function complianceBindingOf(source: KeyProvider | object | undefined): ComplianceBinding | undefined {
  if (!source || typeof source !== 'object') return undefined
  return (source as Record<symbol, ComplianceBinding | undefined>)[COMPLIANCE_BINDING]
}

/** The profile a flow works under, and how it may decrypt legacy data. */
export interface EffectiveCompliance {
  readonly profile: ComplianceProfile
  readonly allowLegacyDecrypt: boolean
  /** Records a legacy decryption through the binding that allowed it. */
  recordLegacyDecrypt(event: Omit<LegacyDecryptEvent, 'profile'>): Promise<void>
}

/**
 * The profile in force for a flow over `providers` (or objects carrying a provider's binding) with the caller's own
 * `profile` option: the strictest of the process's, every provider's and the option (they must not conflict). Legacy
 * decryption is allowed only when a provider bound to that very profile allows it, and is recorded through that
 * provider's audit.
 *
 * @example
 * ```ts
 * const c = effectiveCompliance([provider], options.compliance)
 * requireCompliant(c.profile, 'envelopeSuite', suiteName, 'EnvelopeClient')
 * ```
 */
export function effectiveCompliance(
  providers: readonly (KeyProvider | object | undefined)[] = [],
  profile?: ComplianceProfileName,
): EffectiveCompliance {
  const bindings = providers.map(complianceBindingOf).filter((b): b is ComplianceBinding => b !== undefined)
  const settings: ComplianceSetting[] = [
    { profile: processCompliance(), source: 'the process-wide profile' },
    ...bindings.map((b) => ({ profile: b.profile.name, source: "a provider's profile" })),
    { profile, source: 'the compliance option' },
  ]
  const p = complianceProfile(strictestCompliance(settings))
  const legacy = bindings.find((b) => b.profile.name === p.name && b.allowLegacyDecrypt)
  return {
    profile: p,
    allowLegacyDecrypt: p.name !== 'none' && legacy !== undefined,
    async recordLegacyDecrypt(event) {
      if (!legacy) throw new KeywardError('InternalError', 'No provider allows legacy decryption here.')
      await legacy.recordLegacyDecrypt({ ...event, profile: p.name })
    },
  }
}

/**
 * Throws `UnsupportedOperation.ComplianceProfile` unless the profile in force for `sources` (providers, objects
 * built on them, and the process) allows `value`: the one-line check of flows that use an algorithm locally.
 *
 * @example
 * ```ts
 * requireCompliantFor([provider], 'signAlgorithm', algorithm, 'verifySignatureLocally')
 * ```
 */
export function requireCompliantFor(
  sources: readonly (KeyProvider | object | undefined)[],
  subject: ComplianceSubject,
  value: unknown,
  where: string,
): void {
  requireCompliant(effectiveCompliance(sources).profile, subject, value, where)
}
