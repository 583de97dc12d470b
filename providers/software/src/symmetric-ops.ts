import { randomBytes } from 'node:crypto'
import {
  DataKey,
  KeywardError,
  blobAad,
  blobHeader,
  decodeCiphertextBlob,
  decryptionFailed,
  encodeCiphertextBlob,
  isKeywardError,
  zeroize,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type EncryptionContext,
  type GenerateDataKeyRequest,
  type KeyMetadata,
  type ReEncryptRequest,
  type ReEncryptResult,
} from '@keyward/core'
import { gcmDecrypt, gcmEncrypt, type GcmCipher } from './crypto/gcm.js'
import type { KeyBook } from './key-book.js'
import { requireEnabled, usableKey } from './key-rules.js'

/**
 * Symmetric operations of the software provider over core's ciphertext-blob format (the format the PKCS#11
 * provider emits too, so migrated keys keep decrypting): Encrypt, Decrypt, ReEncrypt, GenerateDataKey.
 */

/** Encrypt under the key's newest version; the EncryptionContext is bound as AAD. */
export async function encrypt(book: KeyBook, req: EncryptRequest): Promise<EncryptResult> {
  const key = await usableKey(book, req.keyId, ['ENCRYPT_DECRYPT'], 'Encrypt')
  return { keyId: key.keyId, ciphertextBlob: await encryptToBlob(book, key, req.plaintext, req.encryptionContext) }
}

/** Decrypt: the blob names key and version. Failures are decryptionFailed() (see decryptBlob). */
export function decrypt(book: KeyBook, req: DecryptRequest): Promise<DecryptResult> {
  return decryptBlob(book, req.ciphertextBlob, req.encryptionContext)
}

/** ReEncrypt: decrypt, then encrypt under the destination key (default: the source key's newest version). */
export async function reEncrypt(book: KeyBook, req: ReEncryptRequest): Promise<ReEncryptResult> {
  const source = await decryptBlob(book, req.ciphertextBlob, req.sourceEncryptionContext)
  try {
    const dest = await usableKey(book, req.destinationKeyId ?? source.keyId, ['ENCRYPT_DECRYPT'], 'ReEncrypt')
    const ciphertextBlob = await encryptToBlob(book, dest, source.plaintext, req.destinationEncryptionContext)
    return { ciphertextBlob, keyId: dest.keyId, sourceKeyId: source.keyId, reEncrypted: true }
  } finally {
    zeroize(source.plaintext)
  }
}

/** GenerateDataKey of `numberOfBytes` (as checkGenerateDataKey computed it): the plaintext and its blob. */
export async function generateDataKey(
  book: KeyBook,
  req: GenerateDataKeyRequest,
  numberOfBytes: number,
): Promise<DataKey> {
  const key = await usableKey(book, req.keyId, ['ENCRYPT_DECRYPT'], 'GenerateDataKey')
  const plaintext = randomBytes(numberOfBytes)
  try {
    return new DataKey(key.keyId, plaintext, await encryptToBlob(book, key, plaintext, req.encryptionContext))
  } catch (e) {
    zeroize(plaintext)
    throw e
  }
}

/** The blob cipher of a symmetric key (GCM only: cipher 3 is the PKCS#11 construction for tokens without GCM). */
export function cipherOf(key: KeyMetadata): GcmCipher {
  return key.keySpec === 'SM4' ? 'SM4-GCM' : 'AES-256-GCM'
}

/**
 * Encrypts under the key's newest version into core's ciphertext-blob format (the format the PKCS#11
 * provider emits too). The caller has checked the key's usage and state.
 */
export async function encryptToBlob(
  book: KeyBook,
  key: KeyMetadata,
  plaintext: Uint8Array,
  ctx: EncryptionContext | undefined,
): Promise<string> {
  // The key was read through KeyBook, whose keyVersionCount is the newest version in the store.
  const version = key.keyVersionCount
  const material = version > 0 ? await book.openVersion(key.keyId, version) : undefined
  if (!material)
    throw new KeywardError('FailedOperation.StoreError', `Key ${key.keyId} has no key material in the store.`)
  try {
    const cipher = cipherOf(key)
    const header = blobHeader(cipher, key.keyId, version)
    const { nonce, tag, ciphertext } = gcmEncrypt(cipher, material, plaintext, blobAad(header, ctx))
    return encodeCiphertextBlob(header, nonce, tag, ciphertext)
  } finally {
    zeroize(material)
  }
}

/**
 * Decrypts a blob this or another key-holding provider made. A blob that is malformed, names an unknown key,
 * a key that is not ENCRYPT_DECRYPT, a version that does not exist, another cipher than the key's, or fails
 * authentication is decryptionFailed() (one message); a known key in a state that refuses use keeps its
 * state's code, as in Tencent KMS (Archived keys still decrypt).
 */
export async function decryptBlob(
  book: KeyBook,
  blob: string,
  ctx: EncryptionContext | undefined,
): Promise<{ keyId: string; plaintext: Buffer }> {
  const parts = decodeCiphertextBlob(blob)
  const key = await book.find(parts.keyId)
  if (!key || key.keyUsage !== 'ENCRYPT_DECRYPT' || cipherOf(key) !== parts.cipher) throw decryptionFailed()
  // Archived keys still decrypt (as in Tencent KMS): archiving stops new ciphertexts, not old data.
  if (key.keyState !== 'Archived') requireEnabled(key)
  let material: Buffer | undefined
  try {
    material = await book.openVersion(key.keyId, parts.keyVersion)
  } catch (e) {
    if (isKeywardError(e, 'FailedOperation.StoreError')) throw e
    throw decryptionFailed(e)
  }
  if (!material) throw decryptionFailed()
  try {
    return {
      keyId: key.keyId,
      plaintext: gcmDecrypt(
        cipherOf(key),
        material,
        parts.nonce,
        parts.ciphertext,
        blobAad(parts.header, ctx),
        parts.tag,
      ),
    }
  } finally {
    zeroize(material)
  }
}
