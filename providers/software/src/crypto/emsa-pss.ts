import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { mgf1 } from '@keyward/gm'

/*
 * EMSA-PSS (RFC 8017 §9.1) with SHA-256, MGF1-SHA-256 and a 32-byte salt, for signing and verifying a
 * DIGEST: Node's OpenSSL binding signs PSS only over a message it hashes itself and exposes no
 * "sign this hash" call, so the encoding is done here and the RSA operation stays Node's (raw, no padding).
 * Messages (RAW) never take this path. Checked against Wycheproof RSA-PSS vectors and Node's own verify.
 */

const H_LEN = 32

function mPrimeHash(digest: Uint8Array, salt: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest()
}

/** EM for a `modBits`-bit modulus over a SHA-256 `digest`, salt length 32. */
export function emsaPssEncode(
  digest: Uint8Array,
  modBits: number,
  saltLength = H_LEN,
  salt: Uint8Array = randomBytes(saltLength),
): Buffer {
  const emBits = modBits - 1
  const emLen = Math.ceil(emBits / 8)
  if (digest.byteLength !== H_LEN || emLen < H_LEN + saltLength + 2)
    throw new RangeError('EMSA-PSS: bad digest or modulus size')
  const h = mPrimeHash(digest, salt)
  const db = Buffer.alloc(emLen - H_LEN - 1)
  db[db.length - saltLength - 1] = 0x01
  Buffer.from(salt).copy(db, db.length - saltLength)
  const mask = mgf1(h, db.length)
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number)
  db[0] = (db[0] as number) & (0xff >>> (8 * emLen - emBits))
  return Buffer.concat([db, h, Buffer.from([0xbc])])
}

/**
 * True when `em` (the raw RSA public operation on a signature, `ceil(modBits/8)` bytes) is a valid EMSA-PSS
 * encoding of `digest` with a 32-byte salt.
 */
export function emsaPssVerify(digest: Uint8Array, em: Uint8Array, modBits: number, saltLength = H_LEN): boolean {
  const emBits = modBits - 1
  const emLen = Math.ceil(emBits / 8)
  // A raw RSA result is k = ceil(modBits/8) bytes; when emLen < k the extra leading byte must be zero.
  const k = Math.ceil(modBits / 8)
  if (digest.byteLength !== H_LEN || em.byteLength !== k || emLen < H_LEN + saltLength + 2) return false
  if (k > emLen && em[0] !== 0) return false
  const e = Buffer.from(em.buffer, em.byteOffset + (k - emLen), emLen)
  if (e[emLen - 1] !== 0xbc) return false
  const topMask = (0xff << (8 - (8 * emLen - emBits))) & 0xff
  if (((e[0] as number) & topMask) !== 0) return false
  const h = e.subarray(emLen - H_LEN - 1, emLen - 1)
  const db = Buffer.from(e.subarray(0, emLen - H_LEN - 1))
  const mask = mgf1(h, db.length)
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number)
  db[0] = (db[0] as number) & (0xff >>> (8 * emLen - emBits))
  const psLen = db.length - saltLength - 1
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false
  if (db[psLen] !== 0x01) return false
  return timingSafeEqual(mPrimeHash(digest, db.subarray(psLen + 1)), h)
}
