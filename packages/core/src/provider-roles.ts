import {
  KEY_USAGE_TABLE,
  SIGN_ALGORITHM_TABLE,
  type AsymmetricEncryptionAlgorithm,
  type KeyUsage,
} from './algorithms.js'
import type { AsymmetricCrypto } from './asymmetric-crypto.js'
import type { ProviderCapabilities } from './capabilities.js'
import type { KeyAdministration } from './key-administration.js'
import type { KeyImport } from './key-import.js'
import type { KeyProviderBase } from './key-provider-base.js'
import type { SymmetricCrypto } from './symmetric-crypto.js'

/** The roles a provider can play, in the order they are listed everywhere. */
export const PROVIDER_ROLES = ['administration', 'symmetric', 'asymmetric', 'import'] as const
/** One of {@link PROVIDER_ROLES}. */
export type ProviderRole = (typeof PROVIDER_ROLES)[number]

/** The interface of each role. */
export interface ProviderRoleMap {
  administration: KeyAdministration
  symmetric: SymmetricCrypto
  asymmetric: AsymmetricCrypto
  import: KeyImport
}

type OwnMethods<R extends ProviderRole> = Exclude<keyof ProviderRoleMap[R], keyof KeyProviderBase>

/** The methods each role adds to {@link KeyProviderBase}: what {@link implementsRole} looks for. */
export const ROLE_METHODS = {
  administration: [
    'createKey',
    'describeKey',
    'listKeys',
    'updateAlias',
    'updateKeyDescription',
    'enableKey',
    'disableKey',
    'scheduleKeyDeletion',
    'cancelKeyDeletion',
    'enableKeyRotation',
    'disableKeyRotation',
    'getKeyRotationStatus',
    'rotateKey',
    'archiveKey',
    'cancelKeyArchive',
  ],
  symmetric: ['encrypt', 'decrypt', 'reEncrypt', 'generateDataKey'],
  asymmetric: [
    'getPublicKey',
    'asymmetricRsaDecrypt',
    'asymmetricSm2Decrypt',
    'signByAsymmetricKey',
    'verifyByAsymmetricKey',
  ],
  import: ['getParametersForImport', 'importKeyMaterial', 'deleteImportedKeyMaterial'],
} as const satisfies { readonly [R in ProviderRole]: readonly OwnMethods<R>[] }

// Fails to compile when a role interface gains a method the table above does not list.
type Unlisted<R extends ProviderRole> = Exclude<OwnMethods<R>, (typeof ROLE_METHODS)[R][number]>
const everyMethodListed: { [R in ProviderRole]: [Unlisted<R>] extends [never] ? true : Unlisted<R> } = {
  administration: true,
  symmetric: true,
  asymmetric: true,
  import: true,
}
void everyMethodListed

const DECRYPT_USAGE: Readonly<Record<AsymmetricEncryptionAlgorithm, KeyUsage>> = {
  RSAES_OAEP_SHA_1: 'ASYMMETRIC_DECRYPT_RSA_2048',
  RSAES_OAEP_SHA_256: 'ASYMMETRIC_DECRYPT_RSA_2048',
  SM2: 'ASYMMETRIC_DECRYPT_SM2',
}

/**
 * The roles a capability map declares: administration with any key usage, symmetric with ENCRYPT_DECRYPT and a
 * symmetric key spec, asymmetric with any asymmetric usage, import with any wrapping algorithm.
 *
 * @example
 * ```ts
 * declaredRoles(provider.capabilities) // ['administration', 'symmetric', 'asymmetric'] on a token without import
 * ```
 */
export function declaredRoles(caps: ProviderCapabilities): ProviderRole[] {
  const usages = caps.keyUsages
  const declared: Record<ProviderRole, boolean> = {
    administration: usages.length > 0,
    symmetric: usages.includes('ENCRYPT_DECRYPT') && caps.symmetricKeySpecs.length > 0,
    asymmetric: usages.some((u) => KEY_USAGE_TABLE[u].kind !== 'symmetric'),
    import: caps.wrappingAlgorithms.length > 0,
  }
  return PROVIDER_ROLES.filter((role) => declared[role])
}

/** The methods of `role` that `provider` lacks (whatever its capabilities say). */
function missingMethods(provider: object, role: ProviderRole): string[] {
  return ROLE_METHODS[role].filter((m) => typeof (provider as Record<string, unknown>)[m] !== 'function')
}

/**
 * True when `provider` plays `role`: its capability map declares the role and it has every method of it. Narrows
 * the type, so code holding a base can ask for a role at run time.
 *
 * @example
 * ```ts
 * if (implementsRole(provider, 'import')) await provider.getParametersForImport({ keyId, wrappingAlgorithm })
 * ```
 */
export function implementsRole<R extends ProviderRole>(
  provider: KeyProviderBase,
  role: R,
): provider is KeyProviderBase & ProviderRoleMap[R] {
  return declaredRoles(provider.capabilities).includes(role) && missingMethods(provider, role).length === 0
}

/**
 * The roles `provider` plays ({@link implementsRole} of each).
 *
 * @example
 * ```ts
 * rolesOf(softwareProvider) // ['administration', 'symmetric', 'asymmetric', 'import']
 * ```
 */
export function rolesOf(provider: KeyProviderBase): ProviderRole[] {
  return PROVIDER_ROLES.filter((role) => implementsRole(provider, role))
}

/**
 * Where a provider's capability map and its roles disagree, one sentence each; empty when they agree. A declared
 * role must have all its methods, and the map must be coherent with itself: symmetric specs exactly with
 * ENCRYPT_DECRYPT, every sign or decrypt algorithm with its usage and every asymmetric usage with an algorithm,
 * wrapping algorithms and rotation only with symmetric keys (only ENCRYPT_DECRYPT keys are EXTERNAL or rotate).
 *
 * @example
 * ```ts
 * expect(roleDisagreements(provider)).toEqual([])
 * ```
 */
export function roleDisagreements(provider: KeyProviderBase): string[] {
  const caps = provider.capabilities
  const declared = declaredRoles(caps)
  const out: string[] = []
  for (const role of declared) {
    const missing = missingMethods(provider, role)
    if (missing.length > 0) out.push(`declares the ${role} role but lacks ${missing.join(', ')}`)
  }
  const symmetricUsage = caps.keyUsages.includes('ENCRYPT_DECRYPT')
  if (symmetricUsage !== caps.symmetricKeySpecs.length > 0)
    out.push('lists ENCRYPT_DECRYPT without a symmetric key spec, or specs without the usage')
  for (const a of caps.signAlgorithms) {
    const usage = SIGN_ALGORITHM_TABLE[a].usage
    if (!caps.keyUsages.includes(usage)) out.push(`lists sign algorithm ${a} without usage ${usage}`)
  }
  for (const a of caps.asymmetricDecryptAlgorithms) {
    if (!caps.keyUsages.includes(DECRYPT_USAGE[a]))
      out.push(`lists decrypt algorithm ${a} without usage ${DECRYPT_USAGE[a]}`)
  }
  for (const usage of caps.keyUsages) {
    const info = KEY_USAGE_TABLE[usage]
    const algorithms: readonly string[] =
      info.kind === 'sign-verify' ? caps.signAlgorithms : caps.asymmetricDecryptAlgorithms
    const own: readonly string[] = info.kind === 'sign-verify' ? info.signAlgorithms : info.encryptionAlgorithms
    if (info.kind !== 'symmetric' && !own.some((a) => algorithms.includes(a)))
      out.push(`lists usage ${usage} without any of its algorithms`)
  }
  if (caps.wrappingAlgorithms.length > 0 && !declared.includes('symmetric'))
    out.push('lists wrapping algorithms without symmetric keys to import into')
  if (caps.keyRotation && !declared.includes('symmetric'))
    out.push('declares key rotation without symmetric keys to rotate')
  return out
}
