import type { Clock, CreateKeyRequest, KeyStore, ProviderCapabilities } from '@keyward/core'
import type { RootKey } from './root-key.js'

/** Options of {@link SoftwareKeyProvider}. */
export interface SoftwareKeyProviderOptions {
  /** Where keys live: a {@link SqliteKeyStore} (persistent) or core's MemoryKeyStore (tests). */
  store: KeyStore
  /** Seals all key material before it reaches the store. See loadRootKey / RootKey.load. */
  rootKey: RootKey
  /** Drives deletion windows, rotation and expiry; default the system clock. Tests pass a ManualClock. */
  clock?: Clock
  /** Instance name (audit, logs); default `software`. */
  name?: string
}

/** CreateKey of the software provider: core's request plus an export permission. */
export interface SoftwareCreateKeyRequest extends CreateKeyRequest {
  /**
   * Allow {@link SoftwareKeyProvider.exportWrappedKeyMaterial} for this symmetric key (migration to another
   * provider). Default false: material never leaves the provider, even wrapped.
   */
  exportable?: boolean
}

/** What the software provider can do: everything in the contract. */
export const SOFTWARE_CAPABILITIES: ProviderCapabilities = Object.freeze({
  keyUsages: Object.freeze([
    'ENCRYPT_DECRYPT',
    'ASYMMETRIC_DECRYPT_RSA_2048',
    'ASYMMETRIC_DECRYPT_SM2',
    'ASYMMETRIC_SIGN_VERIFY_SM2',
    'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    'ASYMMETRIC_SIGN_VERIFY_ECC',
  ] as const),
  symmetricKeySpecs: Object.freeze(['AES_256', 'SM4'] as const),
  signAlgorithms: Object.freeze(['SM2DSA', 'RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'] as const),
  asymmetricDecryptAlgorithms: Object.freeze(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2'] as const),
  wrappingAlgorithms: Object.freeze(['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const),
  keyRotation: true,
  notes: Object.freeze(['Keys are software keys sealed under a root key; use an HSM provider where FIPS 140 level 3 is required.']),
})
