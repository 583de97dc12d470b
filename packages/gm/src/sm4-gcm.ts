/** One-shot SM4-GCM over whole buffers. */
import { timingSafeEqual } from 'node:crypto'
import { decryptionFailed, KeywardError } from '@keyward/core'
import { checkSm4GcmParams, Sm4GcmCore } from './sm4-gcm-core.js'

/** Output of {@link sm4GcmEncrypt}. */
export interface Sm4GcmResult {
  ciphertext: Buffer
  /** 16 bytes. */
  tag: Buffer
}

function checkData(field: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', `${field} must be bytes (Uint8Array/Buffer).`)
}

/**
 * SM4-GCM encryption (16-byte key, 12-byte IV recommended; any 1-65536 byte IV works) with a 16-byte tag.
 * Never reuse an IV under the same key.
 *
 * @example
 * ```ts
 * const { ciphertext, tag } = sm4GcmEncrypt(key, randomBytes(12), plaintext, aad)
 * ```
 */
export function sm4GcmEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Sm4GcmResult {
  checkSm4GcmParams(key, iv, 16)
  checkData('plaintext', plaintext)
  checkData('aad', aad)
  const core = new Sm4GcmCore(key, iv)
  try {
    core.aad(aad)
    const ciphertext = core.keystream(plaintext)
    core.authenticate(ciphertext)
    return { ciphertext, tag: core.tag() }
  } finally {
    core.clear()
  }
}

/**
 * SM4-GCM decryption. The tag (16 bytes) is checked before anything is decrypted; a mismatch throws core's
 * decryptionFailed() and no plaintext exists.
 */
export function sm4GcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  tag: Uint8Array,
): Buffer {
  checkSm4GcmParams(key, iv, 16)
  checkData('ciphertext', ciphertext)
  checkData('aad', aad)
  checkData('tag', tag)
  if (tag.length !== 16) throw decryptionFailed()
  const core = new Sm4GcmCore(key, iv)
  try {
    core.aad(aad)
    core.authenticate(ciphertext)
    if (!timingSafeEqual(core.tag(), tag)) throw decryptionFailed()
    return core.keystream(ciphertext)
  } finally {
    core.clear()
  }
}
