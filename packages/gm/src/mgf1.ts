/** MGF1 (RFC 8017 §B.2.1), the mask generation function of RSAES-OAEP and RSASSA-PSS. */
import { createHash } from 'node:crypto'
import { KeywardError } from '@keyward/core'

/** Hashes MGF1 is used with here (those of OAEP and PSS in Keyward). */
export type Mgf1Hash = 'sha1' | 'sha256'

const H_LEN: Readonly<Record<Mgf1Hash, number>> = { sha1: 20, sha256: 32 }

/**
 * `length` bytes of MGF1 over `seed`: Hash(seed ‖ C) for C = 0, 1, … (4-byte big-endian counter), concatenated and
 * cut to `length`. Node's OpenSSL does OAEP and PSS whole; this is for the halves it cannot do (an EM decoded
 * after a token's raw RSA, a PSS encoding over a given digest).
 *
 * @example
 * ```ts
 * const mask = mgf1(seed, db.length) // SHA-256 unless named
 * ```
 */
export function mgf1(seed: Uint8Array, length: number, hash: Mgf1Hash = 'sha256'): Buffer {
  if (!(seed instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'seed must be bytes (Uint8Array/Buffer).')
  const hLen = H_LEN[hash]
  if (hLen === undefined) throw new KeywardError('InvalidParameterValue', 'hash must be sha1 or sha256.')
  // RFC 8017 bounds the length by 2^32 · hLen; a KMS never needs more than a modulus, so cap far lower.
  if (!Number.isSafeInteger(length) || length < 0 || length > 1 << 20)
    throw new KeywardError('InvalidParameterValue', 'length must be an integer from 0 to 1 MiB.')
  const out = Buffer.alloc(length)
  const counter = Buffer.alloc(4)
  for (let i = 0, off = 0; off < length; i++, off += hLen) {
    counter.writeUInt32BE(i, 0)
    createHash(hash).update(seed).update(counter).digest().copy(out, off)
  }
  return out
}
