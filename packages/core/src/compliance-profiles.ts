import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  DATA_KEY_SPECS,
  KEY_SPECS,
  KEY_USAGES,
  SEAL_ALGORITHMS,
  SIGN_ALGORITHMS,
  WRAPPING_ALGORITHMS,
  type AsymmetricEncryptionAlgorithm,
  type DataKeySpec,
  type KeySpec,
  type KeyUsage,
  type SealAlgorithm,
  type SignAlgorithm,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from './algorithms.js'
import { BLOB_CIPHERS, type BlobCipher } from './ciphertext-blob.js'

/**
 * Compliance profiles as data: which algorithms a deployment may use anywhere (provider, flows, server, CLI) and
 * which defaults it switches. `gm`: 国密 only (SM2, SM3, SM4), for GB/T 39786-2021 (formerly GM/T 0054-2018)
 * deployments; `fips`: FIPS 140-approved algorithms and modes only; `none`: everything Keyward offers. Every
 * layer reads these tables through compliance-checks.ts; none keeps a list of its own.
 */

/** Names of the profiles (`compliance:` in the config, KEYWARD_COMPLIANCE, `--compliance`). */
export const COMPLIANCE_PROFILE_NAMES = ['none', 'gm', 'fips'] as const
export type ComplianceProfileName = (typeof COMPLIANCE_PROFILE_NAMES)[number]

/** Hashes of keyed constructions (HKDF, HMAC blind indexes, the audit chain and its MAC). */
export const HASH_NAMES = ['SHA-256', 'SM3'] as const
export type HashName = (typeof HASH_NAMES)[number]

/** Algorithm suites of the envelope message format (@keyward/flows/envelope SUITE_NAMES, as data). */
export const ENVELOPE_SUITES = ['AES_256_GCM_HKDF_SHA256_COMMIT', 'SM4_GCM_HKDF_SM3_COMMIT'] as const
export type EnvelopeSuiteName = (typeof ENVELOPE_SUITES)[number]

/** Codecs kept for interoperability with old systems only (AES-256-ECB + PKCS#7 of Tencent face verification). */
export const LEGACY_CODECS = ['AES_256_ECB_PKCS7'] as const
export type LegacyCodecName = (typeof LEGACY_CODECS)[number]

/** What a profile rules on, with the value type of each. */
export interface ComplianceSubjects {
  keyUsage: KeyUsage
  keySpec: KeySpec
  dataKeySpec: DataKeySpec
  signAlgorithm: SignAlgorithm
  encryptionAlgorithm: AsymmetricEncryptionAlgorithm
  wrappingAlgorithm: WrappingAlgorithm
  sealAlgorithm: SealAlgorithm
  blobCipher: BlobCipher
  envelopeSuite: EnvelopeSuiteName
  hash: HashName
  legacyCodec: LegacyCodecName
}
export type ComplianceSubject = keyof ComplianceSubjects

/** Every value of each subject Keyward knows; a value outside these is a bad parameter, not a profile question. */
export const COMPLIANCE_UNIVERSE: { readonly [S in ComplianceSubject]: readonly ComplianceSubjects[S][] } = {
  keyUsage: KEY_USAGES,
  keySpec: KEY_SPECS,
  dataKeySpec: DATA_KEY_SPECS,
  signAlgorithm: SIGN_ALGORITHMS,
  encryptionAlgorithm: ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  wrappingAlgorithm: WRAPPING_ALGORITHMS,
  sealAlgorithm: SEAL_ALGORITHMS,
  blobCipher: Object.keys(BLOB_CIPHERS) as BlobCipher[],
  envelopeSuite: ENVELOPE_SUITES,
  hash: HASH_NAMES,
  legacyCodec: LEGACY_CODECS,
}

/** How each subject is named in a refusal. */
export const COMPLIANCE_SUBJECT_LABELS: Readonly<Record<ComplianceSubject, string>> = {
  keyUsage: 'key usage',
  keySpec: 'key spec',
  dataKeySpec: 'data key spec',
  signAlgorithm: 'signature algorithm',
  encryptionAlgorithm: 'asymmetric encryption algorithm',
  wrappingAlgorithm: 'key-import wrapping algorithm',
  sealAlgorithm: 'EncryptionAlgorithm (sealing to a public key)',
  blobCipher: 'ciphertext made with',
  envelopeSuite: 'envelope suite',
  hash: 'hash',
  legacyCodec: 'legacy codec',
}

/** What a profile switches when a caller names nothing. */
export interface ComplianceDefaults {
  /** CreateKey of an ENCRYPT_DECRYPT key without KeySpec. */
  readonly symmetricKeySpec: SymmetricKeySpec
  /** GenerateDataKey without KeySpec or NumberOfBytes. */
  readonly dataKeySpec: DataKeySpec
  readonly envelopeSuite: EnvelopeSuiteName
  /** Blind indexes, the audit chain and its MAC. */
  readonly hash: HashName
  /** EncryptionPublicKey without EncryptionAlgorithm. */
  readonly sealAlgorithm: SealAlgorithm
}

/** One profile: what it allows, what it defaults to, and what to suggest instead of what it refuses. */
export interface ComplianceProfile {
  readonly name: ComplianceProfileName
  /** Human title, e.g. `国密 (GB/T 39786-2021)`. */
  readonly title: string
  readonly allowed: { readonly [S in ComplianceSubject]: readonly ComplianceSubjects[S][] }
  readonly defaults: ComplianceDefaults
  /** The allowed alternative each refusal names. */
  readonly alternatives: Readonly<Record<ComplianceSubject, string>>
}

const NONE: ComplianceProfile = {
  name: 'none',
  title: 'no compliance profile',
  allowed: COMPLIANCE_UNIVERSE,
  defaults: {
    symmetricKeySpec: 'AES_256',
    dataKeySpec: 'AES_256',
    envelopeSuite: 'AES_256_GCM_HKDF_SHA256_COMMIT',
    hash: 'SHA-256',
    sealAlgorithm: 'SM2',
  },
  alternatives: {
    keyUsage: '',
    keySpec: '',
    dataKeySpec: '',
    signAlgorithm: '',
    encryptionAlgorithm: '',
    wrappingAlgorithm: '',
    sealAlgorithm: '',
    blobCipher: '',
    envelopeSuite: '',
    hash: '',
    legacyCodec: '',
  },
}

const GM: ComplianceProfile = {
  name: 'gm',
  title: '国密 (GB/T 39786-2021, GM/T 0054-2018)',
  allowed: {
    keyUsage: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_SM2', 'ASYMMETRIC_SIGN_VERIFY_SM2'],
    keySpec: ['SM4', 'SM2'],
    dataKeySpec: ['SM4'],
    signAlgorithm: ['SM2DSA'],
    encryptionAlgorithm: ['SM2'],
    // Tencent's import API wraps key material with RSA only: there is no 国密 way to import (yet).
    wrappingAlgorithm: [],
    sealAlgorithm: ['SM2', 'SM2_C1C3C2_ASN1'],
    blobCipher: ['SM4-GCM'],
    envelopeSuite: ['SM4_GCM_HKDF_SM3_COMMIT'],
    hash: ['SM3'],
    legacyCodec: [],
  },
  defaults: {
    symmetricKeySpec: 'SM4',
    dataKeySpec: 'SM4',
    envelopeSuite: 'SM4_GCM_HKDF_SM3_COMMIT',
    hash: 'SM3',
    sealAlgorithm: 'SM2',
  },
  alternatives: {
    keyUsage: 'ENCRYPT_DECRYPT (SM4), ASYMMETRIC_DECRYPT_SM2 or ASYMMETRIC_SIGN_VERIFY_SM2',
    keySpec: 'SM4 for symmetric keys, SM2 for asymmetric ones',
    dataKeySpec: 'KeySpec SM4 (16 bytes) or NumberOfBytes',
    signAlgorithm: 'SM2DSA with an ASYMMETRIC_SIGN_VERIFY_SM2 key',
    encryptionAlgorithm: 'SM2 with an ASYMMETRIC_DECRYPT_SM2 key',
    wrappingAlgorithm:
      "no import under gm (Tencent's import API wraps with RSA only): create the key in the KMS (Type 1, KeySpec SM4)",
    sealAlgorithm: 'SM2 or SM2_C1C3C2_ASN1 with an SM2 public key',
    blobCipher: 'an SM4 key (move old ciphertexts with ReEncrypt under allowLegacyDecrypt)',
    envelopeSuite: 'SM4_GCM_HKDF_SM3_COMMIT',
    hash: 'SM3',
    legacyCodec: 'the envelope format with SM4_GCM_HKDF_SM3_COMMIT',
  },
}

const FIPS: ComplianceProfile = {
  name: 'fips',
  title: 'FIPS 140-3 approved algorithms',
  allowed: {
    keyUsage: [
      'ENCRYPT_DECRYPT',
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_ECC',
    ],
    keySpec: ['AES_256', 'RSA_2048', 'ECC_P256'],
    dataKeySpec: ['AES_128', 'AES_256'],
    signAlgorithm: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
    // SHA-1 stays acceptable outside signatures (SP 800-131A Rev. 2), so OAEP-SHA-1 key transport is allowed.
    encryptionAlgorithm: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    // PKCS#1 v1.5 encryption is disallowed for key transport (SP 800-131A Rev. 2).
    wrappingAlgorithm: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    sealAlgorithm: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    blobCipher: ['AES-256-GCM', 'AES-256-CBC-HMAC-SHA256'],
    envelopeSuite: ['AES_256_GCM_HKDF_SHA256_COMMIT'],
    hash: ['SHA-256'],
    legacyCodec: [],
  },
  defaults: {
    symmetricKeySpec: 'AES_256',
    dataKeySpec: 'AES_256',
    envelopeSuite: 'AES_256_GCM_HKDF_SHA256_COMMIT',
    hash: 'SHA-256',
    sealAlgorithm: 'RSAES_OAEP_SHA_256',
  },
  alternatives: {
    keyUsage:
      'ENCRYPT_DECRYPT (AES-256), ASYMMETRIC_DECRYPT_RSA_2048, ASYMMETRIC_SIGN_VERIFY_RSA_2048 or ASYMMETRIC_SIGN_VERIFY_ECC',
    keySpec: 'AES_256, RSA_2048 or ECC_P256',
    dataKeySpec: 'KeySpec AES_256 or AES_128',
    signAlgorithm: 'RSA_PSS_SHA_256, RSA_PKCS1_SHA_256 or ECC_P256_R1',
    encryptionAlgorithm: 'RSAES_OAEP_SHA_256 with an ASYMMETRIC_DECRYPT_RSA_2048 key',
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    sealAlgorithm: 'RSAES_OAEP_SHA_256 with an RSA public key of 2048 bits or more',
    blobCipher: 'an AES_256 key (move old ciphertexts with ReEncrypt under allowLegacyDecrypt)',
    envelopeSuite: 'AES_256_GCM_HKDF_SHA256_COMMIT',
    hash: 'SHA-256',
    legacyCodec: 'the envelope format with AES_256_GCM_HKDF_SHA256_COMMIT (ECB is not an approved mode for data)',
  },
}

/** The three profiles, by name. */
export const COMPLIANCE_PROFILES: Readonly<Record<ComplianceProfileName, ComplianceProfile>> = {
  none: NONE,
  gm: GM,
  fips: FIPS,
}
