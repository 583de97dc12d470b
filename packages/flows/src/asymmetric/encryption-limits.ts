import { LIMITS, type AsymmetricEncryptionAlgorithm } from '@keyward/core'

/** Bytes of a DER TLV whose value is `n` bytes long. */
function tlv(n: number): number {
  return 1 + (n < 0x80 ? 1 : n < 0x100 ? 2 : 3) + n
}

/**
 * The longest SM2 ciphertext in Tencent's form (C1C3C2, ASN.1 DER) for a `plaintextBytes` plaintext: x and y as
 * INTEGERs of up to 33 bytes (a leading zero when the top bit is set), the SM3 hash and the ciphertext as OCTET
 * STRINGs, all in a SEQUENCE. The real size varies with the random point; the worst case is what we must bound.
 */
export function sm2CiphertextWorstCaseBytes(plaintextBytes: number): number {
  return tlv(tlv(33) * 2 + tlv(32) + tlv(plaintextBytes))
}

/** Largest plaintext whose SM2 ciphertext always fits AsymmetricSm2Decrypt's 256-byte limit (146 bytes). */
export const MAX_SM2_PLAINTEXT_BYTES: number = (() => {
  let n = 1
  while (sm2CiphertextWorstCaseBytes(n + 1) <= LIMITS.maxSm2CiphertextBytes) n++
  return n
})()

/** OAEP hash of each RSA algorithm and its output length (RFC 8017 §7.1.1: mLen ≤ k − 2·hLen − 2). */
const OAEP_HASH = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', bytes: 20 },
  RSAES_OAEP_SHA_256: { hash: 'sha256', bytes: 32 },
} as const

/** node:crypto name of the OAEP hash of an RSA algorithm. */
export function oaepHash(algorithm: Exclude<AsymmetricEncryptionAlgorithm, 'SM2'>): 'sha1' | 'sha256' {
  return OAEP_HASH[algorithm].hash
}

/**
 * Largest plaintext `algorithm` can encrypt under a key of `modulusBits` (RSA-2048: 214 bytes with OAEP-SHA-1,
 * 190 with OAEP-SHA-256; SM2: {@link MAX_SM2_PLAINTEXT_BYTES}).
 */
export function maxAsymmetricPlaintextBytes(algorithm: AsymmetricEncryptionAlgorithm, modulusBits = 2048): number {
  if (algorithm === 'SM2') return MAX_SM2_PLAINTEXT_BYTES
  return Math.ceil(modulusBits / 8) - 2 * OAEP_HASH[algorithm].bytes - 2
}
