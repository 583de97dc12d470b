import { AsyncLocalStorage } from 'node:async_hooks'
import {
  KeywardError,
  complianceBindingOf,
  complianceProfile,
  processCompliance,
  strictestCompliance,
  withCompliance,
  type ComplianceProfile,
  type ComplianceProfileName,
  type KeyProvider,
  type LegacyDecryptEvent,
} from '@keyward/core'
import { auditHashOf, type AuditHash } from './store/audit-hash.js'

/** What the server needs of a compliance profile: options of startServer, runServe and openLocalKms. */
export interface ServerComplianceOptions {
  /**
   * The profile every Action runs under (default: the process's, else none); it can only tighten the provider's own.
   */
  compliance?: ComplianceProfileName
  /** Decrypt data made with algorithms the profile refuses (migrations); each use is a LegacyDecrypt audit entry. */
  allowLegacyDecrypt?: boolean
}

/** The legacy decryptions of the request being handled, collected for its audit entries. */
const legacyOfRequest = new AsyncLocalStorage<LegacyDecryptEvent[]>()

/** Runs a request's handler so that legacy decryptions inside it are collected in `into`. */
export function collectingLegacyDecrypts<T>(into: LegacyDecryptEvent[], fn: () => Promise<T>): Promise<T> {
  return legacyOfRequest.run(into, fn)
}

/**
 * Records a legacy decryption in the request being handled: the dispatcher writes a `LegacyDecrypt` audit entry for
 * it before the answer goes out. Outside a request nothing can record it, so the decryption is refused.
 */
export function recordLegacyDecryptInRequest(event: LegacyDecryptEvent): void {
  const events = legacyOfRequest.getStore()
  if (!events) throw new KeywardError('InternalError', 'A legacy decryption outside a request cannot be audited.')
  events.push(event)
}

/** The server's provider under its profile, the profile, and the hash its audit chain uses. */
export interface ServerCompliance {
  readonly provider: KeyProvider
  readonly profile: ComplianceProfile
  readonly auditHash: AuditHash
}

/**
 * Binds `provider` to the server's profile: the strictest of the option, the process's and the provider's own (a
 * provider already bound keeps its binding). Under gm the audit chain and its MAC use SM3.
 *
 * @example
 * ```ts
 * const { provider: bound, auditHash } = serverCompliance(provider, { compliance: 'gm' })
 * ```
 */
export function serverCompliance(provider: KeyProvider, options: ServerComplianceOptions = {}): ServerCompliance {
  const name = strictestCompliance([
    { profile: processCompliance(), source: 'the process-wide profile' },
    { profile: complianceBindingOf(provider)?.profile.name, source: `the ${provider.name} provider's binding` },
    { profile: options.compliance, source: "the server's compliance option" },
  ])
  const bound = withCompliance(
    provider,
    name,
    options.allowLegacyDecrypt ? { allowLegacyDecrypt: true, onLegacyDecrypt: recordLegacyDecryptInRequest } : {},
  )
  return { provider: bound, profile: complianceProfile(name), auditHash: auditHashOf(name) }
}
