import { constants, createHash, createPublicKey, publicEncrypt, verify, type KeyObject } from 'node:crypto'
import type { PublicKeyResult, RsaEncryptionAlgorithm, SignAlgorithm, WrappingAlgorithm } from '@keyward/core'
import { sm2Digest, sm2Verify } from './sm2-oracle.js'

/**
 * Independent checks with node:crypto (and @keyward/gm for SM2): what a provider outputs is verified by code
 * that shares nothing with it, and what it decrypts was made outside it.
 */

/** Parses GetPublicKey's DER (base64 SPKI) with node:crypto and checks the PEM is the same key. */
export function parsePublicKey(res: PublicKeyResult): { der: Buffer; key: KeyObject } {
  const der = Buffer.from(res.publicKey, 'base64')
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' })
  const fromPem = createPublicKey(res.publicKeyPem)
  if (!fromPem.export({ format: 'der', type: 'spki' }).equals(der)) throw new Error('PublicKeyPem and PublicKey differ')
  return { der, key }
}

const OAEP_HASH: Record<RsaEncryptionAlgorithm, string> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' }

/** RSA-OAEP encryption as a client would do it with the key from GetPublicKey. */
export function rsaOaepEncrypt(key: KeyObject, algorithm: RsaEncryptionAlgorithm, plaintext: Uint8Array): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, plaintext)
}

/** Wraps BYOK key material with GetParametersForImport's public key, as Tencent's import guide does. */
export function wrapMaterial(publicKeyB64: string, algorithm: WrappingAlgorithm, material: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
  if (algorithm === 'RSAES_PKCS1_V1_5') return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, material)
  const oaepHash = algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256'
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, material)
}

/** SHA-256 by node:crypto: the DIGEST a caller sends for RSA and ECDSA algorithms. */
export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest()
}

/**
 * Verifies a signature made by the provider, independently. RSA-PSS uses salt length = digest length, which
 * is what Tencent's `openssl dgst -sigopt rsa_pss_saltlen:-1` expects. ECDSA and SM2 signatures are DER.
 */
export function verifyLocally(
  algorithm: SignAlgorithm,
  publicKeyDer: Buffer,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (algorithm === 'SM2DSA') return sm2Verify(publicKeyDer, message, signature)
  const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' })
  if (algorithm === 'RSA_PSS_SHA_256') {
    return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
  }
  return verify('sha256', message, key, signature)
}

/**
 * The 32-byte DIGEST a caller sends instead of RAW `message`: SHA-256(M), or for SM2DSA SM3(Z‖M) with the
 * GM/T default user id and the key's public point.
 */
export function messageDigest(algorithm: SignAlgorithm, publicKeyDer: Buffer, message: Uint8Array): Buffer {
  return algorithm === 'SM2DSA' ? sm2Digest(publicKeyDer, message) : sha256(message)
}
