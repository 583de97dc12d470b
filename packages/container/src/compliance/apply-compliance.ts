import {
  enforceComplianceProcessWide,
  processCompliance,
  strictestCompliance,
  withCompliance,
  type KeyProvider,
  type LegacyDecryptEvent,
} from '@keyward/core'
import type { KeywardConfig } from '../config-schema.js'
import { cryptoModuleState, enableFipsModule, type CryptoModuleState } from './crypto-module.js'

/** What the process runs under once a configuration's profile is applied. */
export interface ComplianceSetup {
  readonly profile: KeywardConfig['compliance']
  readonly cryptoModule: CryptoModuleState
}

/**
 * Puts the configuration's compliance profile in force for the whole process: flows refuse what it refuses even
 * when built without a provider, and no later configuration can loosen it; under `fips` Node's OpenSSL FIPS
 * provider is turned on when this Node has one. Idempotent.
 *
 * @example
 * ```ts
 * const { cryptoModule } = applyCompliance(loadConfig())
 * ```
 */
export function applyCompliance(config: KeywardConfig, source = 'the Keyward configuration'): ComplianceSetup {
  enforceComplianceProcessWide(config.compliance, source)
  return {
    profile: config.compliance,
    cryptoModule: config.compliance === 'fips' ? enableFipsModule() : cryptoModuleState(),
  }
}

/** How legacy decryptions are recorded when `allowLegacyDecrypt` is on (the application's audit). */
export type LegacyDecryptAudit = (event: LegacyDecryptEvent) => void | Promise<void>

/**
 * `provider` under the configuration's profile, or the process's when one is in force (a later configuration
 * saying `none` does not loosen it); see core's withCompliance. `allowLegacyDecrypt` needs `audit`: an escape
 * hatch nobody records is refused at start-up rather than discovered by an assessor.
 */
export function compliantProvider(
  config: KeywardConfig,
  provider: KeyProvider,
  audit?: LegacyDecryptAudit,
): KeyProvider {
  const profile = strictestCompliance([
    { profile: processCompliance(), source: 'the process-wide profile' },
    { profile: config.compliance, source: 'the configuration' },
  ])
  return withCompliance(
    provider,
    profile,
    config.allowLegacyDecrypt ? { allowLegacyDecrypt: true, ...(audit ? { onLegacyDecrypt: audit } : {}) } : {},
  )
}
