/**
 * One encrypted copy of a message's data key, as written in the header: which provider and which key can
 * decrypt it, and that provider's ciphertext blob.
 */
export interface EncryptedDataKey {
  /** Name of the provider (or raw keyring namespace) that made `blob`, 1-255 bytes UTF-8. */
  readonly providerName: string
  /** KeyId of the master key, 1-255 bytes UTF-8. */
  readonly keyId: string
  /** The provider's ciphertext of the data key, 1-65535 bytes. */
  readonly blob: Uint8Array
}

/** The largest number of encrypted data keys a header can hold (the count is one byte). */
export const MAX_EDKS_IN_FORMAT = 255
