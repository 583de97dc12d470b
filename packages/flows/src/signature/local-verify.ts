import { constants, createVerify, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto'
import { SIGN_ALGORITHMS, checkOneOf, needs, requireCompliantFor, type SignAlgorithm } from '@keyward/core'
import { sm2VerifyDigest } from '@keyward/gm'
import { parsePublicKey, type ParsedPublicKey, type PublicKeyInput } from '../asymmetric/public-key.js'
import { checkMessageSource, hashMessage, type MessageSource } from './message-source.js'
import { checkKeyFitsAlgorithm, digestHashFor } from './sign-hash.js'

/** PSS salt = the SHA-256 output length, what `openssl dgst -sigopt rsa_pss_saltlen:-1` requires. */
const PSS_SALT_BYTES = 32

/** Largest signature any of the four algorithms makes (RSA up to 8192-bit keys). */
const MAX_SIGNATURE_BYTES = 1024

/**
 * Verifies a signature with the public key alone, no provider call: node:crypto for RSA-PSS (salt = 32 bytes, as
 * `openssl dgst -sigopt rsa_pss_saltlen:-1` checks), RSA PKCS#1 v1.5 and ECDSA P-256 (DER signatures), @keyward/gm
 * for SM2 (DER, Z with user id 1234567812345678). The message streams, so files of any size verify in constant
 * memory. Returns false for any invalid or malformed signature; bad keys or arguments throw KeywardError.
 *
 * @example
 * ```ts
 * const ok = await verifySignatureLocally(publicKeyPem, 'RSA_PSS_SHA_256', { path: 'contract.pdf' }, signature)
 * ```
 */
export async function verifySignatureLocally(
  publicKey: PublicKeyInput | ParsedPublicKey,
  algorithm: SignAlgorithm,
  message: MessageSource,
  signature: Uint8Array,
): Promise<boolean> {
  /* Precondition: a known algorithm, a key of its kind, a message source and signature bytes. */
  checkOneOf('Algorithm', algorithm, SIGN_ALGORITHMS)
  requireCompliantFor([], 'signAlgorithm', algorithm, 'verifySignatureLocally')
  const key = 'kind' in Object(publicKey) ? (publicKey as ParsedPublicKey) : parsePublicKey(publicKey as PublicKeyInput)
  checkKeyFitsAlgorithm(algorithm, key)
  checkMessageSource(message)
  needs(signature instanceof Uint8Array, 'InvalidParameter', 'Signature must be bytes (Uint8Array/Buffer).')
  if (signature.byteLength === 0 || signature.byteLength > MAX_SIGNATURE_BYTES) return false
  return onVerify(key, algorithm, message, signature)
}

async function onVerify(
  key: ParsedPublicKey,
  algorithm: SignAlgorithm,
  message: MessageSource,
  signature: Uint8Array,
): Promise<boolean> {
  if (algorithm === 'SM2DSA') {
    const hash = digestHashFor(algorithm, key)()
    await hashMessage(message, hash)
    return sm2VerifyDigest(key.point, hash.digest(), signature)
  }
  // RFC 8017 step 1: an RSA signature that is not exactly k octets is invalid (OpenSSL alone would accept one with
  // a leading zero octet stripped: the same integer, a malleable encoding).
  const modulusBits = key.keyObject.asymmetricKeyDetails?.modulusLength
  if (algorithm !== 'ECC_P256_R1' && (modulusBits === undefined || signature.byteLength !== Math.ceil(modulusBits / 8)))
    return false
  const verifier = createVerify('sha256')
  await hashMessage(message, verifier)
  try {
    return verifier.verify(verifyKey(key, algorithm), signature)
  } catch {
    // node:crypto throws on some malformed signatures (bad DER); for the caller that is simply "not valid".
    return false
  }
}

function verifyKey(
  key: ParsedPublicKey,
  algorithm: Exclude<SignAlgorithm, 'SM2DSA'>,
): VerifyKeyObjectInput | VerifyPublicKeyInput {
  if (algorithm === 'RSA_PSS_SHA_256') {
    return { key: key.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES }
  }
  if (algorithm === 'RSA_PKCS1_SHA_256') return { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }
  return { key: key.keyObject, dsaEncoding: 'der' }
}
