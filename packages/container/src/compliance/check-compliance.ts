import { isAbsolute, relative, resolve } from 'node:path'
import {
  COMPLIANCE_ERROR_CODE,
  KeywardError,
  evaluateCompliance,
  inventoryEntry,
  listAllKeys,
  type ComplianceFinding,
  type ComplianceProfileName,
  type DeploymentFacts,
  type KeyInventoryEntry,
  type KeyAdministration,
} from '@keyward/core'
import type { KeywardConfig } from '../config-schema.js'
import { devRootKeyPath, usesDevRootKey } from '../dev-root-key.js'
import { cryptoModuleState, type CryptoModuleState } from './crypto-module.js'

/** What {@link checkCompliance} found. */
export interface ComplianceCheckResult {
  /** True when no finding is a violation. */
  readonly ok: boolean
  readonly profile: ComplianceProfileName
  readonly findings: readonly ComplianceFinding[]
  readonly keys: readonly KeyInventoryEntry[]
  readonly cryptoModule: CryptoModuleState
}

/** Options of {@link checkCompliance}. */
export interface CheckComplianceOptions {
  /** Judge against this profile instead of the configured one (e.g. before switching `gm` on). */
  profile?: ComplianceProfileName
  /** Throw `UnsupportedOperation.ComplianceProfile` listing the violations (fail fast at start-up). */
  throwOnViolation?: boolean
  env?: NodeJS.ProcessEnv
}

/** Where the configured provider keeps key material, in words for the report. */
export function keyLocation(config: KeywardConfig): string {
  if (config.provider === 'pkcs11')
    return `HSM token ${config.pkcs11.tokenLabel ?? `in slot ${config.pkcs11.slot ?? 0}`} (${config.pkcs11.module ?? 'SoftHSM2'})`
  if (config.provider === 'tencent-kms') return `Tencent Cloud KMS ${config.tencent.endpoint ?? config.tencent.region}`
  return config.software.store === 'memory'
    ? 'software (memory), sealed under the root key'
    : 'software (SQLite), sealed under the root key'
}

/** Where the root key of software keys comes from; undefined when keys are not sealed by one. */
export function rootKeyFacts(config: KeywardConfig, env: NodeJS.ProcessEnv = process.env): DeploymentFacts['rootKey'] {
  if (config.provider !== 'software')
    return { source: 'not-used', detail: `not used for keys (${config.provider} holds them)` }
  if (env['KEYWARD_ROOT_KEY']) return { source: 'env', detail: 'KEYWARD_ROOT_KEY (environment)' }
  const file = usesDevRootKey(config.software.rootKeyFile, env)
    ? devRootKeyPath(config.home)
    : resolve(config.software.rootKeyFile as string)
  const rel = relative(resolve(config.home), file)
  const inHome = !rel.startsWith('..') && !isAbsolute(rel)
  return inHome
    ? { source: 'home-file', detail: `the file ${file}` }
    : { source: 'file', detail: `the file ${file}, outside the data directory` }
}

/**
 * The checks of `keyward compliance report` as a library call, so that an application can fail fast at start-up:
 * every key of the provider against the profile (keys made before the profile was switched on included), where key
 * material lives, the root key's source, the crypto module (FIPS provider) and the legacy-decrypt switch.
 *
 * @example
 * ```ts
 * const kw = await createKeyward()
 * await checkCompliance(kw, { throwOnViolation: true }) // refuses to start on an AES key under gm
 * ```
 */
export async function checkCompliance(
  kw: { readonly config: KeywardConfig; readonly provider: Pick<KeyAdministration, 'listKeys'> },
  options: CheckComplianceOptions = {},
): Promise<ComplianceCheckResult> {
  const profile = options.profile ?? kw.config.compliance
  const location = keyLocation(kw.config)
  const keys = (await listAllKeys(kw.provider)).map((k) => inventoryEntry(k, location))
  const cryptoModule = cryptoModuleState()
  const rootKey = rootKeyFacts(kw.config, options.env)
  const findings = evaluateCompliance(profile, {
    keys,
    ...(rootKey ? { rootKey } : {}),
    allowLegacyDecrypt: kw.config.allowLegacyDecrypt,
    cryptoModule,
  })
  const violations = findings.filter((f) => f.severity === 'violation')
  if (options.throwOnViolation && violations.length > 0) {
    const list = violations
      .slice(0, 5)
      .map((v) => `${v.subject}: ${v.message}`)
      .join('; ')
    throw new KeywardError(
      COMPLIANCE_ERROR_CODE,
      `${violations.length} violation(s) of the ${profile} compliance profile: ${list}${violations.length > 5 ? '; ...' : ''}`,
    )
  }
  return { ok: violations.length === 0, profile, findings, keys, cryptoModule }
}
