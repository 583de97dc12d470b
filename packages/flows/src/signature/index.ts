/**
 * @packageDocumentation
 * Signatures (seed 004 "非对称签名验签"): sign any length in the provider (RAW ≤ 4096 bytes, else a local DIGEST:
 * SHA-256, or SM3(Z‖M) for SM2), verify in the provider or locally with the public key.
 */
export { SignatureFlow, type SignatureParams, type SignatureResult, type VerifyParams } from './signature-flow.js'
export { verifySignatureLocally } from './local-verify.js'
export { PublicKeyCache } from './public-key-cache.js'
export {
  checkMessageSource,
  prepareMessage,
  type FileMessage,
  type MessageSource,
  type PreparedMessage,
} from './message-source.js'
export { digestHashFor } from './sign-hash.js'
