import { canonicalEncryptionContext } from './request-checks.js'
import { decryptionFailed } from './errors.js'
import type { EncryptionContext } from './key-provider.js'

/**
 * The symmetric ciphertext blob every Keyward provider that holds the key itself (software, PKCS#11, the
 * server) emits for Encrypt / GenerateDataKey. One format for all of them is what lets a key migrated from
 * one provider to another (BYOK migration) keep decrypting the ciphertexts made before the move.
 *
 * Layout (all integers big-endian), then base64 for the printable `CiphertextBlob`:
 *
 * | bytes | field                                              |
 * |-------|----------------------------------------------------|
 * | 2     | magic `KW` (0x4b 0x57)                             |
 * | 1     | format version, 0x01                               |
 * | 1     | cipher: 0x01 AES-256-GCM, 0x02 SM4-GCM, 0x03 AES-256-CBC-HMAC-SHA256 |
 * | 1     | n = KeyId length (1-128)                           |
 * | n     | KeyId, ASCII                                       |
 * | 4     | key version (1, 2, ... after rotation)             |
 * | 12/16 | nonce (random; the CBC IV for cipher 3: 16)        |
 * | 16/32 | GCM tag (HMAC-SHA256 for cipher 3: 32)             |
 * | rest  | ciphertext                                         |
 *
 * AAD = the header (magic through key version) ‖ canonicalEncryptionContext(ctx), so neither the key
 * reference nor the context can be swapped. Cipher 3 is the encrypt-then-MAC construction of PKCS#11 tokens
 * without AES-GCM (providers/pkcs11, docs/message-format.md): tag = HMAC-SHA256(K_mac, AAD ‖ IV ‖ ciphertext ‖
 * AAD length in bits as 64-bit big-endian), as in RFC 7518 §5.2.2.1 with the full 32-byte tag.
 */
export const BLOB_MAGIC = 0x4b57
export const BLOB_FORMAT_VERSION = 1
export const BLOB_CIPHERS = { 'AES-256-GCM': 1, 'SM4-GCM': 2, 'AES-256-CBC-HMAC-SHA256': 3 } as const
export type BlobCipher = keyof typeof BLOB_CIPHERS
/** Nonce and tag lengths of each blob cipher. */
export const BLOB_CIPHER_SIZES: Readonly<Record<BlobCipher, { readonly nonce: number; readonly tag: number }>> = {
  'AES-256-GCM': { nonce: 12, tag: 16 },
  'SM4-GCM': { nonce: 12, tag: 16 },
  'AES-256-CBC-HMAC-SHA256': { nonce: 16, tag: 32 },
}

export interface CiphertextBlobParts {
  cipher: BlobCipher
  keyId: string
  keyVersion: number
  nonce: Uint8Array
  tag: Uint8Array
  ciphertext: Uint8Array
}

/** The header bytes of a blob for `keyId`/`keyVersion` (also the first part of its AAD). */
export function blobHeader(cipher: BlobCipher, keyId: string, keyVersion: number): Buffer {
  const id = Buffer.from(keyId, 'ascii')
  const h = Buffer.alloc(5 + id.length + 4)
  h.writeUInt16BE(BLOB_MAGIC, 0)
  h[2] = BLOB_FORMAT_VERSION
  h[3] = BLOB_CIPHERS[cipher]
  h[4] = id.length
  id.copy(h, 5)
  h.writeUInt32BE(keyVersion, 5 + id.length)
  return h
}

/** AAD of a blob: header ‖ canonical encryption context. */
export function blobAad(header: Uint8Array, ctx: EncryptionContext | undefined): Buffer {
  return Buffer.concat([header, canonicalEncryptionContext(ctx)])
}

/** Serialises a blob to its printable form. */
export function encodeCiphertextBlob(
  header: Uint8Array,
  nonce: Uint8Array,
  tag: Uint8Array,
  ciphertext: Uint8Array,
): string {
  return Buffer.concat([header, nonce, tag, ciphertext]).toString('base64')
}

/**
 * Parses a printable blob. Any malformation is a decryption failure (one fixed message): callers learn nothing
 * about which byte was wrong.
 */
export function decodeCiphertextBlob(blob: string): CiphertextBlobParts & { header: Buffer } {
  if (
    typeof blob !== 'string' ||
    blob.length === 0 ||
    blob.length > 16_384 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(blob) ||
    blob.length % 4 !== 0
  ) {
    throw decryptionFailed()
  }
  const b = Buffer.from(blob, 'base64')
  if (b.length < 5 || b.readUInt16BE(0) !== BLOB_MAGIC || b[2] !== BLOB_FORMAT_VERSION) throw decryptionFailed()
  const cipher = (Object.keys(BLOB_CIPHERS) as BlobCipher[]).find((c) => BLOB_CIPHERS[c] === b[3])
  const n = b[4] ?? 0
  const headerEnd = 5 + n + 4
  if (!cipher) throw decryptionFailed()
  const { nonce, tag } = BLOB_CIPHER_SIZES[cipher]
  if (n === 0 || b.length < headerEnd + nonce + tag) throw decryptionFailed()
  const keyId = b.subarray(5, 5 + n).toString('ascii')
  if (!/^[A-Za-z0-9-]+$/.test(keyId)) throw decryptionFailed()
  const keyVersion = b.readUInt32BE(5 + n)
  if (keyVersion === 0) throw decryptionFailed()
  return {
    cipher,
    keyId,
    keyVersion,
    header: b.subarray(0, headerEnd),
    nonce: b.subarray(headerEnd, headerEnd + nonce),
    tag: b.subarray(headerEnd + nonce, headerEnd + nonce + tag),
    ciphertext: b.subarray(headerEnd + nonce + tag),
  }
}
