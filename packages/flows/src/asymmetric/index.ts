/**
 * @packageDocumentation
 * Asymmetric encryption (seed 004 "非对称数据加解密"): the sender encrypts with a downloaded public key
 * (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256, SM2 C1C3C2 ASN.1), the provider decrypts; SM2 format conversions.
 */
export { encryptWithPublicKey } from './asymmetric-encrypt.js'
export { AsymmetricDecryptor, type AsymmetricDecryptOptions } from './asymmetric-decryptor.js'
export {
  MAX_SM2_PLAINTEXT_BYTES,
  maxAsymmetricPlaintextBytes,
  sm2CiphertextWorstCaseBytes,
} from './encryption-limits.js'
export { parsePublicKey, type ParsedPublicKey, type PublicKeyInput, type PublicKeyKind } from './public-key.js'
export * from './sm2-formats.js'
