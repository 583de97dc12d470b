import type { CallOptions, EncryptionContext } from '@keyward/core'
import type { EncryptedDataKey } from './encrypted-data-key.js'

/** A freshly generated data key: the plaintext (zero it when done) and its first encrypted copy. */
export interface GeneratedDataKey {
  readonly plaintext: Uint8Array
  readonly encryptedDataKey: EncryptedDataKey
}

/**
 * A key that protects data keys: a CMK in a KeyProvider (Tencent KMS, HSM, software) or a raw local key.
 * A {@link Keyring} composes several of them (multi-CMK messages).
 */
export interface MasterKey {
  /** Written in each encrypted data key this master key makes. */
  readonly providerName: string
  readonly keyId: string
  /** Makes a new data key of `length` bytes and its encrypted copy. */
  generateDataKey(length: number, encryptionContext: EncryptionContext, opts?: CallOptions): Promise<GeneratedDataKey>
  /** Encrypts an existing data key (the additional copies of a multi-CMK message). */
  encryptDataKey(
    plaintext: Uint8Array,
    encryptionContext: EncryptionContext,
    opts?: CallOptions,
  ): Promise<EncryptedDataKey>
  /** True when this master key can try to decrypt `edk`. */
  canDecrypt(edk: EncryptedDataKey): boolean
  /** Decrypts `edk`; failures throw a KeywardError. */
  decryptDataKey(edk: EncryptedDataKey, encryptionContext: EncryptionContext, opts?: CallOptions): Promise<Uint8Array>
}
