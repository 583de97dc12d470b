import { createHash } from 'node:crypto'
import { decryptionFailed } from '@keyward/core'
import { mgf1 } from '@keyward/gm'

/**
 * EME-OAEP decoding (RFC 8017 §7.1.2 step 3) with SHA-256 and MGF1-SHA-256, empty label, on the host.
 *
 * Why it exists: SoftHSM 2.6 implements CKM_RSA_PKCS_OAEP with SHA-1 only (SHA-256 parameters return
 * CKR_ARGUMENTS_BAD). For RSAES_OAEP_SHA_256 the provider therefore does the private-key operation in the token
 * with CKM_RSA_X_509 (raw RSA; the private key never leaves the token) and removes the OAEP padding here.
 * node:crypto has OAEP, but only together with a private key it holds, so it cannot do this half.
 *
 * The checks run over every byte and fold into one flag, so timing does not say which check failed
 * (Manger's attack), and every failure is the one decryptionFailed().
 */
const H_LEN = 32

/** Decodes an encoded message of `k` bytes (the raw RSA output, left-padded to the modulus length). */
export function oaepSha256Decode(em: Uint8Array, k: number): Buffer {
  if (k < 2 * H_LEN + 2 || em.length > k) throw decryptionFailed()
  const padded = Buffer.alloc(k)
  Buffer.from(em).copy(padded, k - em.length)
  const lHash = createHash('sha256').digest()
  const y = padded[0] as number
  const maskedSeed = padded.subarray(1, 1 + H_LEN)
  const maskedDb = padded.subarray(1 + H_LEN)
  const seed = mgf1(maskedDb, H_LEN)
  for (let i = 0; i < H_LEN; i++) seed[i] = (seed[i] as number) ^ (maskedSeed[i] as number)
  const db = mgf1(seed, k - H_LEN - 1)
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (maskedDb[i] as number)
  let bad = y
  for (let i = 0; i < H_LEN; i++) bad |= (db[i] as number) ^ (lHash[i] as number)
  // Find the 0x01 after the zero padding without branching on secret data.
  let found = 0
  let index = 0
  for (let i = H_LEN; i < db.length; i++) {
    const b = db[i] as number
    const isOne = ((b ^ 1) - 1) >>> 31
    const isZero = (b - 1) >>> 31
    const first = isOne & (found ^ 1)
    index |= -first & i
    found |= isOne
    bad |= (found ^ 1) & (isZero ^ 1) & (isOne ^ 1)
  }
  bad |= found ^ 1
  seed.fill(0)
  padded.fill(0)
  if (bad !== 0) {
    db.fill(0)
    throw decryptionFailed()
  }
  const message = Buffer.from(db.subarray(index + 1))
  db.fill(0)
  return message
}
