import {
  sm2Encrypt as gmEncrypt,
  sm2PublicKeyFromSpki,
  sm2Verify as gmVerify,
  sm2VerifyDigest as gmVerifyDigest,
  sm2MessageDigest,
} from '@keyward/gm'

/**
 * The SM2 side of the independent checks, through @keyward/gm (GM/T 0003 with the default user id
 * 1234567812345678). One file, so the suite depends on gm's API in one place.
 */

/** SM2 public point (04‖x‖y) of a DER SubjectPublicKeyInfo from GetPublicKey. */
export function sm2Point(spkiDer: Uint8Array): Uint8Array {
  return sm2PublicKeyFromSpki(spkiDer)
}

/** SM2 encryption (C1C3C2, the form AsymmetricSm2Decrypt takes) with the key from GetPublicKey. */
export function sm2Encrypt(spkiDer: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return gmEncrypt(sm2Point(spkiDer), plaintext)
}

/** Verifies a DER SM2 signature over `message` (Z computed with the default user id). */
export function sm2Verify(spkiDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return gmVerify(sm2Point(spkiDer), message, signature)
}

/** Verifies a DER SM2 signature over a 32-byte SM3(Z‖M) digest. */
export function sm2VerifyDigest(spkiDer: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  return gmVerifyDigest(sm2Point(spkiDer), digest, signature)
}

/** SM3(Z‖M): what SM2DSA signs, and the DIGEST a caller sends for a message. */
export function sm2Digest(spkiDer: Uint8Array, message: Uint8Array): Buffer {
  return sm2MessageDigest(sm2Point(spkiDer), message)
}
