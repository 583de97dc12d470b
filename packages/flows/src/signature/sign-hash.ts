import { createHash, type Hash } from 'node:crypto'
import { SIGN_ALGORITHM_TABLE, needs, type SignAlgorithm } from '@keyward/core'
import { sm2Za } from '@keyward/gm'
import type { ParsedPublicKey, PublicKeyKind } from '../asymmetric/public-key.js'

/** The public-key kind each signature algorithm needs. */
const KEY_KIND: Readonly<Record<SignAlgorithm, PublicKeyKind>> = {
  SM2DSA: 'SM2',
  RSA_PSS_SHA_256: 'RSA',
  RSA_PKCS1_SHA_256: 'RSA',
  ECC_P256_R1: 'EC_P256',
}

/** Throws UnsupportedKeyUsage unless `key` is of the kind `algorithm` signs with. */
export function checkKeyFitsAlgorithm(algorithm: SignAlgorithm, key: ParsedPublicKey): void {
  needs(
    key.kind === KEY_KIND[algorithm],
    'UnsupportedOperation.UnsupportedKeyUsage',
    `${algorithm} needs an ${KEY_KIND[algorithm]} key, got ${key.kind}.`,
  )
}

/**
 * A fresh hash for the DIGEST message of `algorithm`: SHA-256 for RSA and ECDSA; for SM2DSA, SM3 already fed with
 * Z (default user id 1234567812345678) of `key`, so that the result is e = SM3(Z‖M) — what Tencent's DIGEST mode
 * and `gmssl sm2utl -dgst -id 1234567812345678` expect. SM3 itself is OpenSSL's, through node:crypto.
 */
export function digestHashFor(algorithm: SignAlgorithm, key: ParsedPublicKey | undefined): () => Hash {
  if (SIGN_ALGORITHM_TABLE[algorithm].hash === 'sha256') return () => createHash('sha256')
  needs(key !== undefined, 'MissingParameter', 'SM2DSA digests need the public key (Z depends on it).')
  const za = sm2Za(key.point)
  return () => createHash('sm3').update(za)
}
