import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  KEY_USAGES,
  SIGN_ALGORITHMS,
  SYMMETRIC_KEY_SPECS,
  WRAPPING_ALGORITHMS,
  type Clock,
  type CreateKeyRequest,
  type KeyStore,
  type ProviderCapabilities,
} from '@keyward/core'
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

/** What the software provider can do: everything in the contract, so it names core's tables themselves. */
export const SOFTWARE_CAPABILITIES: ProviderCapabilities = Object.freeze({
  keyUsages: KEY_USAGES,
  symmetricKeySpecs: SYMMETRIC_KEY_SPECS,
  signAlgorithms: SIGN_ALGORITHMS,
  asymmetricDecryptAlgorithms: ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  wrappingAlgorithms: WRAPPING_ALGORITHMS,
  keyRotation: true,
  notes: Object.freeze([
    'Keys are software keys sealed under a root key; use an HSM provider where FIPS 140 level 3 is required.',
  ]),
})
