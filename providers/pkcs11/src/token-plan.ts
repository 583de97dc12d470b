import pkcs11 from 'pkcs11js'
import { KeywardError } from '@keyward/core'
import type {
  AsymmetricEncryptionAlgorithm,
  KeyUsage,
  ProviderCapabilities,
  SignAlgorithm,
  SymmetricKeySpec,
  WrappingAlgorithm,
} from '@keyward/core'
import type { OptionalFunction, TokenFacts } from './token-facts.js'
import { describeNeed, hasMechanism, missingNeeds, type Feature } from './token-needs.js'
import { supportsSm4, type VendorMechanismMap } from './vendor-mechanisms.js'

/** How ENCRYPT_DECRYPT (AES_256) keys work on a token: AES-GCM, or the encrypt-then-MAC construction. */
export type SymmetricScheme = 'AES-256-GCM' | 'AES-256-CBC-HMAC-SHA256'

/**
 * What the provider does on one token, derived from the token's own answers (mechanism list and flags, and
 * which optional functions exist) at connect: the capabilities it declares, the mechanism chosen for each
 * operation, and for everything it does not declare, what is missing.
 */
export interface TokenPlan {
  readonly facts: TokenFacts
  /** AES_256 scheme, or undefined when the token offers neither. */
  readonly symmetric: SymmetricScheme | undefined
  /** RAW RSA_PKCS1_SHA_256: the token's CKM_SHA256_RSA_PKCS, or undefined for a host digest + CKM_RSA_PKCS. */
  readonly rsaPkcs1Raw: 'SHA256_RSA_PKCS' | undefined
  /** RAW RSA_PSS_SHA_256: CKM_SHA256_RSA_PKCS_PSS, or undefined for a host digest + CKM_RSA_PKCS_PSS. */
  readonly rsaPssRaw: 'SHA256_RSA_PKCS_PSS' | undefined
  readonly capabilities: ProviderCapabilities
  /** For each usage, key spec or algorithm that is not declared: what the token lacks for it. */
  readonly gaps: ReadonlyMap<string, string>
  /** True when the token has `fn`. */
  has(fn: OptionalFunction): boolean
}

function gapOf(facts: TokenFacts, ...features: Feature[]): string | undefined {
  const parts: string[] = []
  for (const f of features) {
    const missing = missingNeeds(facts, f)
    if (missing.length === 0) return undefined
    parts.push(`${f} needs ${missing.map(describeNeed).join(', ')}`)
  }
  return parts.join('; or ')
}

/** The vendor SM4 mechanisms are usable when both are mapped and the token lists them with the flags they need. */
function sm4Gap(facts: TokenFacts, vendor: VendorMechanismMap): string | undefined {
  if (!supportsSm4(vendor)) return 'SM4 needs a vendor mechanism map (SM4_KEY_GEN and SM4_GCM)'
  const gen = facts.mechanisms.get(vendor.get('SM4_KEY_GEN')?.mechanism ?? -1)
  const gcm = facts.mechanisms.get(vendor.get('SM4_GCM')?.mechanism ?? -1)
  if (!facts.functions.has('C_GenerateKey')) return 'SM4 needs C_GenerateKey'
  if (!gen || (gen.flags & pkcs11.CKF_GENERATE) === 0)
    return 'SM4 needs the mapped SM4_KEY_GEN mechanism with CKF_GENERATE'
  if (!gcm || (gcm.flags & (pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT)) !== (pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT))
    return 'SM4 needs the mapped SM4_GCM mechanism with CKF_ENCRYPT|CKF_DECRYPT'
  return undefined
}

/** Adds `value` to `list` when `gap` is undefined, else records why not. */
function declare<T extends string>(list: T[], gaps: Map<string, string>, value: T, gap: string | undefined): void {
  if (gap === undefined) list.push(value)
  else gaps.set(value, gap)
}

/** Derives the plan of a token from its facts and this instance's vendor map. */
export function planFor(facts: TokenFacts, vendor: VendorMechanismMap): TokenPlan {
  const gaps = new Map<string, string>()
  const symmetricGap = gapOf(facts, 'AES-256-GCM', 'AES-256-CBC-HMAC-SHA256')
  const symmetric: SymmetricScheme | undefined =
    symmetricGap !== undefined
      ? undefined
      : missingNeeds(facts, 'AES-256-GCM').length === 0
        ? 'AES-256-GCM'
        : 'AES-256-CBC-HMAC-SHA256'
  const specs: SymmetricKeySpec[] = []
  declare(specs, gaps, 'AES_256', symmetricGap)
  declare(specs, gaps, 'SM4', sm4Gap(facts, vendor))

  const rsaPair = gapOf(facts, 'RSA-2048 key pair')
  const signs: SignAlgorithm[] = []
  declare(signs, gaps, 'RSA_PSS_SHA_256', rsaPair ?? gapOf(facts, 'RSA_PSS_SHA_256'))
  declare(signs, gaps, 'RSA_PKCS1_SHA_256', rsaPair ?? gapOf(facts, 'RSA_PKCS1_SHA_256'))
  declare(signs, gaps, 'ECC_P256_R1', gapOf(facts, 'EC P-256 key pair') ?? gapOf(facts, 'ECC_P256_R1'))
  gaps.set('SM2DSA', 'SM2 is not offered over PKCS#11 (vendor SM2 mechanisms differ in parameter shape between makers)')

  const decrypts: AsymmetricEncryptionAlgorithm[] = []
  declare(decrypts, gaps, 'RSAES_OAEP_SHA_1', rsaPair ?? gapOf(facts, 'RSAES_OAEP_SHA_1'))
  declare(decrypts, gaps, 'RSAES_OAEP_SHA_256', rsaPair ?? gapOf(facts, 'RSAES_OAEP_SHA_256'))
  gaps.set('SM2', gaps.get('SM2DSA') as string)

  // BYOK imports ENCRYPT_DECRYPT (AES_256) keys, so it needs a symmetric scheme as well as the unwrap.
  const wraps: WrappingAlgorithm[] = []
  const byokGap = (f: Feature): string | undefined => {
    const parts = [
      gapOf(facts, f),
      rsaPair,
      symmetricGap !== undefined ? `the imported AES_256 key: ${symmetricGap}` : undefined,
    ].filter((p) => p !== undefined)
    return parts.length > 0 ? parts.join('; ') : undefined
  }
  declare(wraps, gaps, 'RSAES_PKCS1_V1_5', byokGap('BYOK RSAES_PKCS1_V1_5'))
  declare(wraps, gaps, 'RSAES_OAEP_SHA_1', byokGap('BYOK RSAES_OAEP_SHA_1'))
  gaps.set(
    'RSAES_OAEP_SHA_256',
    "not offered over PKCS#11: tokens do not say whether their OAEP unwrap takes SHA-256 (SoftHSM 2.6's does not), and decoding on the host would put the material in host memory",
  )

  const usages: KeyUsage[] = []
  declare(
    usages,
    gaps,
    'ENCRYPT_DECRYPT',
    specs.length > 0 ? undefined : `${symmetricGap as string}; ${gaps.get('SM4') as string}`,
  )
  declare(usages, gaps, 'ASYMMETRIC_DECRYPT_RSA_2048', decrypts.length > 0 ? undefined : gaps.get('RSAES_OAEP_SHA_1'))
  declare(
    usages,
    gaps,
    'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    signs.some((s) => s !== 'ECC_P256_R1') ? undefined : gaps.get('RSA_PKCS1_SHA_256'),
  )
  declare(
    usages,
    gaps,
    'ASYMMETRIC_SIGN_VERIFY_ECC',
    signs.includes('ECC_P256_R1') ? undefined : gaps.get('ECC_P256_R1'),
  )
  for (const u of ['ASYMMETRIC_DECRYPT_SM2', 'ASYMMETRIC_SIGN_VERIFY_SM2'] as const)
    gaps.set(u, gaps.get('SM2DSA') as string)

  const rsaPkcs1Raw = hasMechanism(facts, 'SHA256_RSA_PKCS', ['SIGN', 'VERIFY'])
    ? ('SHA256_RSA_PKCS' as const)
    : undefined
  const rsaPssRaw = hasMechanism(facts, 'SHA256_RSA_PKCS_PSS', ['SIGN', 'VERIFY'])
    ? ('SHA256_RSA_PKCS_PSS' as const)
    : undefined
  const capabilities: ProviderCapabilities = {
    keyUsages: usages,
    symmetricKeySpecs: specs,
    signAlgorithms: signs,
    asymmetricDecryptAlgorithms: decrypts,
    wrappingAlgorithms: wraps,
    // Rotation adds versions to ENCRYPT_DECRYPT keys, the only ones that rotate.
    keyRotation: specs.length > 0,
    notes: notesFor(facts, symmetric, rsaPkcs1Raw, rsaPssRaw, gaps),
  }
  return { facts, symmetric, rsaPkcs1Raw, rsaPssRaw, capabilities, gaps, has: (f) => facts.functions.has(f) }
}

function notesFor(
  facts: TokenFacts,
  symmetric: SymmetricScheme | undefined,
  pkcs1: string | undefined,
  pss: string | undefined,
  gaps: ReadonlyMap<string, string>,
): string[] {
  const notes = [
    `Token "${facts.token.label}" (${facts.token.model}, ${facts.library.description} ${facts.library.version}); capabilities read from its mechanism list.`,
  ]
  if (symmetric === 'AES-256-GCM') notes.push('Encrypt/Decrypt: CKM_AES_GCM (96-bit random nonce, 128-bit tag).')
  if (symmetric === 'AES-256-CBC-HMAC-SHA256')
    notes.push(
      "Encrypt/Decrypt: the token has no CKM_AES_GCM; AES-256-CBC-PAD then HMAC-SHA256 over AAD ‖ IV ‖ ciphertext ‖ AAD bits (encrypt-then-MAC), both keys derived in the token from the version's AES key (cipher id 3 in the blob).",
    )
  notes.push(
    `RAW RSA signatures: ${pkcs1 ? 'CKM_SHA256_RSA_PKCS' : 'host SHA-256 + DigestInfo, CKM_RSA_PKCS'} (PKCS#1 v1.5), ${pss ? 'CKM_SHA256_RSA_PKCS_PSS' : 'host SHA-256, CKM_RSA_PKCS_PSS'} (PSS). ECDSA: CKM_ECDSA over a host SHA-256 digest.`,
  )
  notes.push('RSAES_OAEP_SHA_256 decryption: raw RSA (CKM_RSA_X_509) in the token, OAEP-SHA-256 decoding on the host.')
  for (const [what, why] of gaps) if (!what.includes('SM2')) notes.push(`Not declared: ${what} (${why}).`)
  notes.push('SM2 (ASYMMETRIC_*_SM2, SM2DSA) unsupported over PKCS#11; SM4 only with a vendor mechanism map.')
  return notes
}

/** The capability lists a call checks. */
export type CapabilityList =
  | 'keyUsages'
  | 'symmetricKeySpecs'
  | 'signAlgorithms'
  | 'asymmetricDecryptAlgorithms'
  | 'wrappingAlgorithms'

/**
 * UnsupportedOperation unless the token supports `value`, naming what the token lacks for it (e.g. "AES-256-GCM
 * needs CKM_AES_GCM (ENCRYPT|DECRYPT)"): a gap found at connect, not a failure in the middle of a call.
 */
export function requireDeclared(plan: TokenPlan, providerName: string, list: CapabilityList, value: string): void {
  if ((plan.capabilities[list] as readonly string[]).includes(value)) return
  const why = plan.gaps.get(value) ?? 'not offered by this provider'
  throw new KeywardError(
    'UnsupportedOperation',
    `The ${providerName} provider cannot offer ${value} on token "${plan.facts.token.label}" (${plan.facts.library.description}): ${why}.`,
  )
}
