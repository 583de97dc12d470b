import type { DataKeySpec } from './algorithms.js'
import type { DataKey } from './data-key.js'
import type { CallOptions, EncryptionContext, KeyProviderBase } from './key-provider-base.js'

/** Encrypt: what to encrypt under which key. */
export interface EncryptRequest {
  keyId: string
  /** 1-4096 bytes. */
  plaintext: Uint8Array
  encryptionContext?: EncryptionContext
}

/** Encrypt's answer: the blob and the key that made it. */
export interface EncryptResult {
  keyId: string
  /** Opaque, self-describing (it names key and key version), printable: store it as is. */
  ciphertextBlob: string
}

/** Decrypt: the blob and the EncryptionContext it was made with. */
export interface DecryptRequest {
  ciphertextBlob: string
  encryptionContext?: EncryptionContext
}

/** What every decryption returns (Decrypt, AsymmetricRsaDecrypt, AsymmetricSm2Decrypt). Zero `plaintext` after use. */
export interface DecryptResult {
  keyId: string
  plaintext: Uint8Array
}

/** ReEncrypt: a blob to move under another key (or the newest version of its own). */
export interface ReEncryptRequest {
  ciphertextBlob: string
  /** Default: the key that made the blob (its newest version). */
  destinationKeyId?: string
  sourceEncryptionContext?: EncryptionContext
  destinationEncryptionContext?: EncryptionContext
}

/** ReEncrypt's answer: the new blob, its key and the key that made the old one. */
export interface ReEncryptResult {
  ciphertextBlob: string
  keyId: string
  sourceKeyId: string
  reEncrypted: boolean
}

/** GenerateDataKey: the key that seals the data key and its length. */
export interface GenerateDataKeyRequest {
  keyId: string
  /** AES_128 or AES_256; give this or numberOfBytes (default AES_256). */
  keySpec?: DataKeySpec
  /** 1-1024. */
  numberOfBytes?: number
  encryptionContext?: EncryptionContext
}

/**
 * The symmetric-crypto role: Encrypt, Decrypt, ReEncrypt and GenerateDataKey with ENCRYPT_DECRYPT keys. A provider
 * plays it when its capability map lists `ENCRYPT_DECRYPT` and at least one symmetric key spec. Envelope encryption,
 * sensitive-data fields and blind-index keys need only (part of) this role.
 *
 * Codes shared by the methods that name a key: `MissingParameter` / `InvalidParameterValue.InvalidKeyId` (KeyId),
 * `ResourceUnavailable.CmkNotFound`, `UnsupportedOperation.UnsupportedKeyUsage` (not an ENCRYPT_DECRYPT key),
 * `ResourceUnavailable.CmkDisabled`, `ResourceUnavailable.CmkArchived`, `ResourceUnavailable.CmkStateNotSupport`
 * (PendingDelete, PendingImport), and `InvalidParameterValue` for an EncryptionContext that is not an object of
 * strings or exceeds 1024 characters as JSON. On top of them come the codes of {@link KeyProviderBase}.
 *
 * @example
 * ```ts
 * async function seal(kms: SymmetricCrypto, keyId: string, secret: Uint8Array): Promise<string> {
 *   return (await kms.encrypt({ keyId, plaintext: secret, encryptionContext: { table: 'orders' } })).ciphertextBlob
 * }
 * ```
 */
export interface SymmetricCrypto extends KeyProviderBase {
  /**
   * Encrypt (1-4096 bytes) under the key's newest version; the EncryptionContext is bound as AAD.
   *
   * @throws `InvalidParameter` (plaintext not bytes), `InvalidParameterValue` (plaintext empty or over 4096 bytes),
   *   and the key and context codes above.
   */
  encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult>

  /**
   * Decrypt a blob; no KeyId needed, the blob names key and version.
   *
   * @throws `InvalidParameterValue.InvalidCiphertext` with one fixed message for every failure of the ciphertext
   *   itself: malformed, altered, another provider's, wrong EncryptionContext, or naming a key that does not exist.
   * @throws `ResourceUnavailable.CmkDisabled`, `ResourceUnavailable.CmkArchived`,
   *   `ResourceUnavailable.CmkStateNotSupport` — the blob's key exists but is not Enabled.
   */
  decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult>

  /**
   * ReEncrypt: decrypt, then encrypt under `destinationKeyId` (default: the source key's newest version) without
   * the plaintext leaving the provider.
   *
   * @throws every code of {@link SymmetricCrypto.decrypt} for the source, and the key and context codes above for
   *   the destination (`InvalidParameterValue.InvalidKeyId` names DestinationKeyId).
   */
  reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult>

  /**
   * GenerateDataKey: fresh random bytes (AES_128, AES_256 or `numberOfBytes` 1-1024) and their blob under the key.
   *
   * @throws `InvalidParameterValue` (KeySpec, NumberOfBytes) and the key and context codes above.
   */
  generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey>
}
