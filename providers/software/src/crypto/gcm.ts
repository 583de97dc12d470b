import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { decryptionFailed, needs } from '@keyward/core'
import { sm4GcmDecrypt, sm4GcmEncrypt } from '@keyward/gm'

/** The two AEADs of symmetric CMKs and of the ciphertext-blob format. */
export type GcmCipher = 'AES-256-GCM' | 'SM4-GCM'

/** Nonce and tag sizes of every GCM the provider does (those of core's ciphertext blob). */
export const GCM_NONCE_BYTES = 12
/** See {@link GCM_NONCE_BYTES}. */
export const GCM_TAG_BYTES = 16
const KEY_BYTES: Readonly<Record<GcmCipher, number>> = { 'AES-256-GCM': 32, 'SM4-GCM': 16 }

/** Output of {@link gcmEncrypt}. */
export interface GcmSealed {
  nonce: Buffer
  tag: Buffer
  ciphertext: Buffer
}

/**
 * AES-256-GCM (Node's OpenSSL) or SM4-GCM (@keyward/gm) with a 96-bit nonce and a 128-bit tag: the only
 * parameters the provider uses, so nothing else is accepted. `nonce` is for known-answer tests; leave it
 * out and a random one is drawn.
 */
export function gcmEncrypt(
  cipher: GcmCipher,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES),
): GcmSealed {
  needs(
    key.byteLength === KEY_BYTES[cipher],
    'InvalidParameterValue',
    `${cipher} needs a ${KEY_BYTES[cipher]}-byte key.`,
  )
  needs(nonce.byteLength === GCM_NONCE_BYTES, 'InvalidParameterValue', `${cipher} needs a 12-byte nonce.`)
  if (cipher === 'SM4-GCM') {
    const r = sm4GcmEncrypt(key, nonce, plaintext, aad)
    return { nonce: Buffer.from(nonce), tag: Buffer.from(r.tag), ciphertext: Buffer.from(r.ciphertext) }
  }
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES })
  c.setAAD(aad)
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
  return { nonce: Buffer.from(nonce), tag: c.getAuthTag(), ciphertext }
}

/**
 * Inverse of {@link gcmEncrypt}. Every failure (wrong key, nonce or tag length, altered byte, other AAD) is
 * decryptionFailed(): one message, whatever went wrong. The tag length is pinned to 16 bytes, because Node
 * otherwise accepts truncated tags.
 */
export function gcmDecrypt(
  cipher: GcmCipher,
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  tag: Uint8Array,
): Buffer {
  if (key.byteLength !== KEY_BYTES[cipher] || nonce.byteLength !== GCM_NONCE_BYTES || tag.byteLength !== GCM_TAG_BYTES)
    throw decryptionFailed()
  try {
    if (cipher === 'SM4-GCM') return Buffer.from(sm4GcmDecrypt(key, nonce, ciphertext, aad, tag))
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES })
    d.setAAD(aad)
    d.setAuthTag(tag)
    return Buffer.concat([d.update(ciphertext), d.final()])
  } catch (cause) {
    throw decryptionFailed(cause)
  }
}
