import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto'
import { KeywardError, type RsaEncryptionAlgorithm, type WrappingAlgorithm, decryptionFailed } from '@keyward/core'

const OAEP_HASH: Readonly<
  Record<RsaEncryptionAlgorithm | Exclude<WrappingAlgorithm, 'RSAES_PKCS1_V1_5'>, 'sha1' | 'sha256'>
> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
}

/**
 * RSAES-OAEP decryption (MGF1 with the same hash, empty label unless given) with Node's OpenSSL. Any failure
 * is decryptionFailed(). `label` exists for known-answer tests; the provider never passes one.
 */
export function rsaOaepDecrypt(
  privateKey: KeyObject,
  algorithm: RsaEncryptionAlgorithm,
  ciphertext: Uint8Array,
  label?: Uint8Array,
): Buffer {
  try {
    return privateDecrypt(
      {
        key: privateKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: OAEP_HASH[algorithm],
        ...(label ? { oaepLabel: label } : {}),
      },
      ciphertext,
    )
  } catch (cause) {
    throw decryptionFailed(cause)
  }
}

/** RSAES-OAEP encryption (tests, and wrapping for another provider's import). */
export function rsaOaepEncrypt(publicKey: KeyObject, algorithm: RsaEncryptionAlgorithm, plaintext: Uint8Array): Buffer {
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] },
    plaintext,
  )
}

/** Wraps key material with an import public key, as a BYOK client does. */
export function rsaWrap(publicKey: KeyObject, algorithm: WrappingAlgorithm, material: Uint8Array): Buffer {
  if (algorithm === 'RSAES_PKCS1_V1_5')
    return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, material)
  return rsaOaepEncrypt(publicKey, algorithm, material)
}

/**
 * Unwraps imported key material of exactly `expectedLength` bytes. For RSAES_PKCS1_V1_5, Node 20 refuses
 * PKCS#1 v1.5 private decryption (CVE-2023-46809, the Marvin attack), so the raw RSA result is checked here
 * without data-dependent branches and with the length fixed in advance; every failure is the same error.
 */
export function rsaUnwrap(
  privateKey: KeyObject,
  algorithm: WrappingAlgorithm,
  wrapped: Uint8Array,
  expectedLength: number,
): Buffer {
  const fail = (cause?: unknown): KeywardError =>
    new KeywardError(
      'InvalidParameter.DecryptMaterialError',
      "EncryptedKeyMaterial does not unwrap with the import token's key and algorithm.",
      { cause },
    )
  if (algorithm !== 'RSAES_PKCS1_V1_5') {
    let out: Buffer
    try {
      out = rsaOaepDecrypt(privateKey, algorithm, wrapped)
    } catch (cause) {
      throw fail(cause)
    }
    if (out.length !== expectedLength) {
      out.fill(0)
      throw fail()
    }
    return out
  }
  let em: Buffer
  try {
    em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, wrapped)
  } catch (cause) {
    throw fail(cause)
  }
  const k = em.length
  const sep = k - expectedLength - 1
  // EM = 00 02 PS(≥ 8 non-zero bytes) 00 M, with |M| fixed: accumulate every check, branch once.
  let bad = em[0]! | (em[1]! ^ 0x02) | em[sep]! | (sep < 10 ? 1 : 0)
  for (let i = 2; i < sep; i++) bad |= ((em[i]! - 1) >> 8) & 1
  const out = Buffer.from(em.subarray(sep + 1))
  em.fill(0)
  if (bad !== 0) {
    out.fill(0)
    throw fail()
  }
  return out
}
