import {
  sm2Decrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToSpki,
  sm2Sign,
  sm2SignDigest,
  sm2Verify,
  sm2VerifyDigest,
} from '@keyward/gm'
import { zeroize, type MessageType } from '@keyward/core'

/*
 * The provider's 国密 operations, all through @keyward/gm (SM2DSA with the GM/T default user id
 * 1234567812345678; never Node's `ec` keys on the SM2 curve, which sign plain ECDSA with an empty id).
 * Keys travel as PKCS#8 / SPKI DER, like the RSA and P-256 keys, so the store treats all alike.
 */

/** A new SM2 key pair as PKCS#8 and SPKI DER. */
export function sm2GenerateKeyPkcs8(): { privatePkcs8: Buffer; publicSpki: Buffer } {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  try {
    return { privatePkcs8: sm2PrivateKeyToPkcs8(privateKey, publicKey), publicSpki: sm2PublicKeyToSpki(publicKey) }
  } finally {
    zeroize(privateKey)
  }
}

/** SM2DSA, DER: RAW is digested as SM3(Z‖M) with the default id; DIGEST is that value already. */
export function sm2SignPkcs8(pkcs8: Uint8Array, message: Uint8Array, messageType: MessageType): Buffer {
  const { privateKey, publicKey } = sm2PrivateKeyFromPkcs8(pkcs8)
  try {
    return messageType === 'DIGEST' ? sm2SignDigest(privateKey, message) : sm2Sign(privateKey, message, { publicKey })
  } finally {
    zeroize(privateKey)
  }
}

/** Verifies an SM2DSA DER signature; malformed signatures are not valid. */
export function sm2VerifySpki(
  spki: Uint8Array,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): boolean {
  const publicKey = sm2PublicKeyFromSpki(spki)
  try {
    return messageType === 'DIGEST'
      ? sm2VerifyDigest(publicKey, message, signature)
      : sm2Verify(publicKey, message, signature)
  } catch {
    return false
  }
}

/** SM2 decryption of C1C3C2 (ASN.1 or raw 04‖…); failures are decryptionFailed(). */
export function sm2DecryptPkcs8(pkcs8: Uint8Array, ciphertext: Uint8Array): Buffer {
  const { privateKey } = sm2PrivateKeyFromPkcs8(pkcs8)
  try {
    return sm2Decrypt(privateKey, ciphertext)
  } finally {
    zeroize(privateKey)
  }
}
