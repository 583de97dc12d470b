import type { ProviderCapabilities } from './capabilities.js'
import { KeywardError } from './errors.js'
import {
  COMPLIANCE_PROFILES,
  COMPLIANCE_PROFILE_NAMES,
  COMPLIANCE_SUBJECT_LABELS,
  COMPLIANCE_UNIVERSE,
  type ComplianceProfile,
  type ComplianceProfileName,
  type ComplianceSubject,
  type ComplianceSubjects,
} from './compliance-profiles.js'

/** The code every refusal by a compliance profile carries, in every layer. */
export const COMPLIANCE_ERROR_CODE = 'UnsupportedOperation.ComplianceProfile' as const

/**
 * A profile name from a config file, the environment or a flag: exactly `none`, `gm` or `fips` (a typo is an error,
 * never `none`).
 */
export function checkComplianceProfileName(
  value: unknown,
  field = 'compliance',
): asserts value is ComplianceProfileName {
  if (typeof value === 'string' && (COMPLIANCE_PROFILE_NAMES as readonly string[]).includes(value)) return
  throw new KeywardError(
    'InvalidParameterValue',
    `${field} must be one of ${COMPLIANCE_PROFILE_NAMES.join(', ')}, got ${JSON.stringify(value)}.`,
  )
}

/** The profile of a name (a profile object passes through). */
export function complianceProfile(profile: ComplianceProfileName | ComplianceProfile = 'none'): ComplianceProfile {
  if (typeof profile === 'object' && profile !== null) return profile
  checkComplianceProfileName(profile)
  return COMPLIANCE_PROFILES[profile]
}

/** True when `profile` allows `value` of `subject`. */
export function isCompliant<S extends ComplianceSubject>(
  profile: ComplianceProfile,
  subject: S,
  value: ComplianceSubjects[S],
): boolean {
  return (profile.allowed[subject] as readonly string[]).includes(value)
}

/** The refusal of `value` of `subject` by `profile`: the stable code, the profile, and the allowed alternative. */
export function complianceRefusal(
  profile: ComplianceProfile,
  subject: ComplianceSubject,
  value: string,
  where?: string,
): KeywardError {
  const at = where ? ` (${where})` : ''
  return new KeywardError(
    COMPLIANCE_ERROR_CODE,
    `The ${profile.name} compliance profile (${profile.title}) does not allow ${COMPLIANCE_SUBJECT_LABELS[subject]} ${value}${at}: use ${profile.alternatives[subject]}.`,
  )
}

/**
 * Throws {@link COMPLIANCE_ERROR_CODE} unless `profile` allows `value`. Values Keyward does not know at all are
 * left to the caller's own parameter check (a typo stays InvalidParameterValue under every profile).
 *
 * @example
 * ```ts
 * requireCompliant(complianceProfile('gm'), 'signAlgorithm', req.algorithm, 'SignByAsymmetricKey')
 * ```
 */
export function requireCompliant<S extends ComplianceSubject>(
  profile: ComplianceProfile,
  subject: S,
  value: unknown,
  where?: string,
): void {
  if (typeof value !== 'string' || !(COMPLIANCE_UNIVERSE[subject] as readonly string[]).includes(value)) return
  if (!isCompliant(profile, subject, value as ComplianceSubjects[S]))
    throw complianceRefusal(profile, subject, value, where)
}

/** Where a profile name came from, for the error when two sources disagree. */
export interface ComplianceSetting {
  readonly profile: ComplianceProfileName | undefined
  readonly source: string
}

/**
 * The profile several sources (config file, environment, flag, a provider, the process) add up to: a profile can
 * only be tightened, never loosened — `none` from any source leaves another's `gm` in force — and two different
 * profiles (gm and fips allow nothing in common) are refused, naming both sources.
 *
 * @example
 * ```ts
 * strictestCompliance([
 *   { profile: 'gm', source: 'keyward.config.json' },
 *   { profile: 'none', source: '--compliance' },
 * ]) // 'gm'
 * ```
 */
export function strictestCompliance(settings: readonly ComplianceSetting[]): ComplianceProfileName {
  let chosen: ComplianceSetting | undefined
  for (const s of settings) {
    if (s.profile === undefined) continue
    checkComplianceProfileName(s.profile, s.source)
    if (s.profile === 'none') continue
    if (chosen && chosen.profile !== s.profile) {
      throw new KeywardError(
        'InvalidParameterValue',
        `Compliance profiles conflict: ${chosen.profile} (${chosen.source}) and ${s.profile} (${s.source}); a deployment has one profile.`,
      )
    }
    chosen ??= s
  }
  return chosen?.profile ?? 'none'
}

/** A provider's capabilities as a profile narrows them (what ListAlgorithms and callers then see). */
export function narrowCapabilities(caps: ProviderCapabilities, profile: ComplianceProfile): ProviderCapabilities {
  const keep = <S extends ComplianceSubject>(
    subject: S,
    values: readonly ComplianceSubjects[S][],
  ): ComplianceSubjects[S][] => values.filter((v) => isCompliant(profile, subject, v))
  const symmetricKeySpecs = keep(
    'keySpec',
    caps.symmetricKeySpecs,
  ) as ProviderCapabilities['symmetricKeySpecs'][number][]
  return {
    keyUsages: keep('keyUsage', caps.keyUsages).filter((u) => u !== 'ENCRYPT_DECRYPT' || symmetricKeySpecs.length > 0),
    symmetricKeySpecs,
    signAlgorithms: keep('signAlgorithm', caps.signAlgorithms),
    asymmetricDecryptAlgorithms: keep('encryptionAlgorithm', caps.asymmetricDecryptAlgorithms),
    wrappingAlgorithms: keep('wrappingAlgorithm', caps.wrappingAlgorithms),
    keyRotation: caps.keyRotation,
    notes: [...(caps.notes ?? []), `narrowed by the ${profile.name} compliance profile`],
  }
}

/**
 * For providers that know the wrapping algorithm of their import tokens: refuses a token issued for an algorithm
 * outside `allowed` (ImportKeyMaterialRequest.allowedWrappingAlgorithms, set by a compliance profile) — a token
 * obtained before the profile was switched on must not import through it.
 */
export function checkImportTokenAlgorithm(allowed: readonly string[] | undefined, algorithm: string): void {
  if (allowed === undefined || allowed.includes(algorithm)) return
  throw new KeywardError(
    COMPLIANCE_ERROR_CODE,
    `The import token was issued for ${algorithm}, which the compliance profile does not allow${allowed.length ? `: call GetParametersForImport again with ${allowed.join(' or ')}` : ' (it allows no key import)'}.`,
  )
}
