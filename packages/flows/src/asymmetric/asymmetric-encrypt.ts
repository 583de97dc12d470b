import { constants, publicEncrypt } from 'node:crypto'
import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  KeywardError,
  checkBytes,
  checkOneOf,
  needs,
  requireCompliantFor,
  type AsymmetricEncryptionAlgorithm,
} from '@keyward/core'
import { maxAsymmetricPlaintextBytes, oaepHash } from './encryption-limits.js'
import { parsePublicKey, type ParsedPublicKey, type PublicKeyInput } from './public-key.js'
import { sm2EncryptForKms } from './sm2-encrypt.js'

/**
 * Sender side of asymmetric encryption (seed 004 "非对称数据加解密"): encrypts with a downloaded public key, no
 * provider needed. RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 use node:crypto; SM2 uses @keyward/gm and returns
 * C1C3C2 ASN.1 DER, the form AsymmetricSm2Decrypt takes. The receiver decrypts in the provider
 * ({@link AsymmetricDecryptor}). Plaintexts longer than the algorithm allows are refused up front (RSA-2048: 214 /
 * 190 bytes; SM2: 146 bytes, so the ciphertext never exceeds Tencent's 256-byte limit).
 *
 * @example
 * ```ts
 * const { publicKeyPem } = await provider.getPublicKey(keyId)        // or downloaded from the console
 * const ciphertext = encryptWithPublicKey(publicKeyPem, 'RSAES_OAEP_SHA_256', Buffer.from('card 4111'))
 * // ... send it; the key holder calls provider.asymmetricRsaDecrypt({ keyId, algorithm, ciphertext })
 * ```
 */
export function encryptWithPublicKey(
  publicKey: PublicKeyInput | ParsedPublicKey,
  algorithm: AsymmetricEncryptionAlgorithm,
  plaintext: Uint8Array,
): Uint8Array {
  /* Precondition: a known algorithm, a key of the matching kind and a plaintext that fits in one block. */
  checkOneOf('Algorithm', algorithm, ASYMMETRIC_ENCRYPTION_ALGORITHMS)
  requireCompliantFor([], 'encryptionAlgorithm', algorithm, 'encryptWithPublicKey')
  const key = isParsed(publicKey) ? publicKey : parsePublicKey(publicKey)
  const wanted = algorithm === 'SM2' ? 'SM2' : 'RSA'
  needs(
    key.kind === wanted,
    'UnsupportedOperation.UnsupportedKeyUsage',
    `${algorithm} needs an ${wanted} public key, got ${key.kind}.`,
  )
  checkBytes('Plaintext', plaintext, 1, maxAsymmetricPlaintextBytes(algorithm, key.modulusBits))
  return onEncrypt(key, algorithm, plaintext)
}

function onEncrypt(key: ParsedPublicKey, algorithm: AsymmetricEncryptionAlgorithm, plaintext: Uint8Array): Uint8Array {
  if (algorithm === 'SM2') return sm2EncryptForKms(key.point, plaintext)
  try {
    return publicEncrypt(
      { key: key.keyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) },
      plaintext,
    )
  } catch (cause) {
    throw new KeywardError('InternalError', `RSA ${algorithm} encryption failed.`, { cause })
  }
}

function isParsed(k: PublicKeyInput | ParsedPublicKey): k is ParsedPublicKey {
  return typeof k === 'object' && k !== null && 'kind' in k && 'spki' in k
}
