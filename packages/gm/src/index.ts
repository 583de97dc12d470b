/**
 * @packageDocumentation
 * 国密 primitives at native speed: SM3 and HMAC-SM3 (OpenSSL), SM2 keys and their SPKI/PKCS#8/PEM encodings,
 * SM2DSA with the GM/T default user id, SM2 encryption (ASN.1 C1C3C2), SM2 ciphertext and signature format
 * conversions, and SM4-GCM (OpenSSL sm4-ctr + table GHASH) one-shot and streaming.
 *
 * @example
 * ```ts
 * import { sm2GenerateKeyPair, sm2Sign, sm2Verify } from '@keyward/gm'
 * const { privateKey, publicKey } = sm2GenerateKeyPair()
 * const sig = sm2Sign(privateKey, Buffer.from('hello'), { publicKey })
 * sm2Verify(publicKey, Buffer.from('hello'), sig) // true
 * ```
 */
export { sm3, hmacSm3 } from './sm3.js'
export {
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyToSpki,
  sm2PublicKeyFromSpki,
  sm2PrivateKeyToPkcs8,
  sm2PrivateKeyFromPkcs8,
  type Sm2KeyPair,
} from './sm2-keys.js'
export { derToPem, pemToDer } from './pem.js'
export { mgf1, type Mgf1Hash } from './mgf1.js'
export {
  sm2Za,
  sm2MessageDigest,
  sm2SignDigest,
  sm2Sign,
  sm2VerifyDigest,
  sm2Verify,
  type Sm2UserId,
  type Sm2SignOptions,
  type Sm2VerifyOptions,
} from './sm2-signature.js'
export { configureSm2VerifyCache, type Sm2VerifyCacheOptions } from './sm2-verify-cache.js'
export { sm2Encrypt, sm2Decrypt } from './sm2-encryption.js'
export {
  convertSm2Ciphertext,
  detectSm2CiphertextForm,
  parseSm2Ciphertext,
  formatSm2Ciphertext,
  type Sm2CiphertextForm,
  type Sm2CiphertextOrder,
  type Sm2CiphertextEncoding,
  type Sm2CiphertextParts,
} from './sm2-codec.js'
export { signatureDerToRaw, signatureRawToDer } from './signature-codec.js'
export { sm4GcmEncrypt, sm4GcmDecrypt, type Sm4GcmResult } from './sm4-gcm.js'
export {
  createSm4GcmCipher,
  createSm4GcmDecipher,
  Sm4GcmCipher,
  Sm4GcmDecipher,
  type GcmCipherLike,
  type GcmDecipherLike,
  type Sm4GcmOptions,
} from './sm4-gcm-stream.js'
export { SM4_GCM_MAX_TEXT_BYTES, SM4_GCM_MAX_IV_BYTES } from './sm4-gcm-core.js'
