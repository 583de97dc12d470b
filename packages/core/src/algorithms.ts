/**
 * Key usages and algorithms as data. Names are Tencent KMS API 2019-01-18 names; every other package reads
 * these tables instead of repeating string literals.
 */

/** Symmetric key specs a CMK of usage ENCRYPT_DECRYPT can have (SM4 for 国密 deployments). */
export const SYMMETRIC_KEY_SPECS = ['AES_256', 'SM4'] as const
export type SymmetricKeySpec = (typeof SYMMETRIC_KEY_SPECS)[number]

/** Asymmetric encryption algorithms (AsymmetricRsaDecrypt / AsymmetricSm2Decrypt). */
export const ASYMMETRIC_ENCRYPTION_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2'] as const
export type AsymmetricEncryptionAlgorithm = (typeof ASYMMETRIC_ENCRYPTION_ALGORITHMS)[number]
export type RsaEncryptionAlgorithm = Exclude<AsymmetricEncryptionAlgorithm, 'SM2'>

/** Signature algorithms (SignByAsymmetricKey). */
export const SIGN_ALGORITHMS = ['SM2DSA', 'RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'] as const
export type SignAlgorithm = (typeof SIGN_ALGORITHMS)[number]

/** MessageType of SignByAsymmetricKey: RAW data (≤ 4096 bytes) or a 32-byte DIGEST. */
export const MESSAGE_TYPES = ['RAW', 'DIGEST'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

/** Wrapping algorithms of GetParametersForImport. */
export const WRAPPING_ALGORITHMS = ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number]
export const WRAPPING_KEY_SPECS = ['RSA_2048'] as const
export type WrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number]

/**
 * KeySpec of GenerateDataKey: Tencent's AES_128 / AES_256, and SM4 (16 bytes, a Keyward extension: the data-key
 * size of 国密 deployments; providers that talk to real Tencent KMS send it as NumberOfBytes).
 */
export const DATA_KEY_SPECS = ['AES_128', 'AES_256', 'SM4'] as const
export type DataKeySpec = (typeof DATA_KEY_SPECS)[number]

/** Byte length of each data key spec. */
export const DATA_KEY_LENGTHS: Readonly<Record<DataKeySpec, number>> = { AES_128: 16, AES_256: 32, SM4: 16 }

/**
 * EncryptionAlgorithm of GenerateDataKey / Decrypt / GetDataKeyPlaintext when an EncryptionPublicKey is given: the
 * plaintext is sealed to the caller's public key (Tencent's default: SM2, raw C1C3C2).
 */
export const SEAL_ALGORITHMS = [
  'SM2',
  'SM2_C1C3C2_ASN1',
  'RSAES_PKCS1_V1_5',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
] as const
export type SealAlgorithm = (typeof SEAL_ALGORITHMS)[number]

/** Every kind of key material, symmetric and asymmetric. */
export const KEY_SPECS = ['AES_256', 'SM4', 'RSA_2048', 'SM2', 'ECC_P256'] as const

/** The kinds of key material a CMK can hold. */
export type KeySpec = (typeof KEY_SPECS)[number]

/** What a key of a usage can do. */
export type KeyUsageKind = 'symmetric' | 'asymmetric-decrypt' | 'sign-verify'

/** KeyUsage values of CreateKey. */
export const KEY_USAGES = [
  'ENCRYPT_DECRYPT',
  'ASYMMETRIC_DECRYPT_RSA_2048',
  'ASYMMETRIC_DECRYPT_SM2',
  'ASYMMETRIC_SIGN_VERIFY_SM2',
  'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
  'ASYMMETRIC_SIGN_VERIFY_ECC',
] as const
export type KeyUsage = (typeof KEY_USAGES)[number]

/** One row of {@link KEY_USAGE_TABLE}. */
export interface KeyUsageInfo {
  readonly kind: KeyUsageKind
  /** Key spec of a new key of this usage (ENCRYPT_DECRYPT: the default; SM4 is chosen per key). */
  readonly keySpec: KeySpec
  /** Algorithms a key of this usage accepts. */
  readonly encryptionAlgorithms: readonly AsymmetricEncryptionAlgorithm[]
  readonly signAlgorithms: readonly SignAlgorithm[]
}

/** What each KeyUsage means: the table every provider, the server and the CLI consult. */
export const KEY_USAGE_TABLE: Readonly<Record<KeyUsage, KeyUsageInfo>> = {
  ENCRYPT_DECRYPT: { kind: 'symmetric', keySpec: 'AES_256', encryptionAlgorithms: [], signAlgorithms: [] },
  ASYMMETRIC_DECRYPT_RSA_2048: {
    kind: 'asymmetric-decrypt',
    keySpec: 'RSA_2048',
    encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    signAlgorithms: [],
  },
  ASYMMETRIC_DECRYPT_SM2: {
    kind: 'asymmetric-decrypt',
    keySpec: 'SM2',
    encryptionAlgorithms: ['SM2'],
    signAlgorithms: [],
  },
  ASYMMETRIC_SIGN_VERIFY_SM2: {
    kind: 'sign-verify',
    keySpec: 'SM2',
    encryptionAlgorithms: [],
    signAlgorithms: ['SM2DSA'],
  },
  ASYMMETRIC_SIGN_VERIFY_RSA_2048: {
    kind: 'sign-verify',
    keySpec: 'RSA_2048',
    encryptionAlgorithms: [],
    signAlgorithms: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'],
  },
  ASYMMETRIC_SIGN_VERIFY_ECC: {
    kind: 'sign-verify',
    keySpec: 'ECC_P256',
    encryptionAlgorithms: [],
    signAlgorithms: ['ECC_P256_R1'],
  },
}

/** One row of {@link SIGN_ALGORITHM_TABLE}. */
export interface SignAlgorithmInfo {
  readonly usage: KeyUsage
  /** Hash applied to RAW messages; a DIGEST message is already this hash (32 bytes for all four). */
  readonly hash: 'sha256' | 'sm3'
  readonly digestLength: 32
}

export const SIGN_ALGORITHM_TABLE: Readonly<Record<SignAlgorithm, SignAlgorithmInfo>> = {
  SM2DSA: { usage: 'ASYMMETRIC_SIGN_VERIFY_SM2', hash: 'sm3', digestLength: 32 },
  RSA_PSS_SHA_256: { usage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', hash: 'sha256', digestLength: 32 },
  RSA_PKCS1_SHA_256: { usage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', hash: 'sha256', digestLength: 32 },
  ECC_P256_R1: { usage: 'ASYMMETRIC_SIGN_VERIFY_ECC', hash: 'sha256', digestLength: 32 },
}

/** GM/T 0009 default SM2 user id, used for Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA). */
export const SM2_DEFAULT_USER_ID = '1234567812345678'

/** Limits of the Tencent KMS API that every provider enforces locally. */
export const LIMITS = {
  /** Encrypt plaintext and SignByAsymmetricKey RAW message, bytes. */
  maxPlaintextBytes: 4096,
  maxRawMessageBytes: 4096,
  digestBytes: 32,
  /** GenerateDataKey NumberOfBytes range. */
  minDataKeyBytes: 1,
  maxDataKeyBytes: 1024,
  /** GenerateRandom NumberOfBytes range. */
  minRandomBytes: 1,
  maxRandomBytes: 1024,
  /** ScheduleKeyDeletion PendingWindowInDays range. */
  minPendingWindowDays: 7,
  maxPendingWindowDays: 30,
  /** EncryptionContext as JSON, characters. */
  maxEncryptionContextChars: 1024,
  maxAliasChars: 60,
  maxDescriptionChars: 1024,
  /** EnableKeyRotation RotateDays range (Tencent: 7-365, default 365). */
  minRotateDays: 7,
  maxRotateDays: 365,
  defaultRotateDays: 365,
  /** GetParametersForImport: token and wrapping key valid for 24 h. */
  importTokenValiditySeconds: 24 * 3600,
  /** AsymmetricSm2Decrypt ciphertext, bytes (Tencent: ≤ 256). */
  maxSm2CiphertextBytes: 256,
} as const

/** Bytes of key material an EXTERNAL key of each symmetric spec takes (国密 SM4: 128 bit; AES: 256 bit). */
export const IMPORT_MATERIAL_BYTES: Readonly<Record<SymmetricKeySpec, number>> = { AES_256: 32, SM4: 16 }
