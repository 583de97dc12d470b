/**
 * SM2 digital signatures (GB/T 32918.2 / GM/T 0003.2) with the GM/T 0009 default user id, at native speed: the
 * scalar multiplications run in OpenSSL (see sm2-native.ts), the few mod-n steps in BigInt.
 *
 * Timing: BigInt arithmetic is not constant-time. Signing computes s = (1+d)^-1 (k - r·d) mod n in BigInt, so
 * its timing may depend on the private key d and the nonce k, and those BigInt values cannot be zeroed after use
 * (JavaScript gives no way to). Use an HSM or KMS key where that matters. Verification handles public values only.
 */
import { randomBytes } from 'node:crypto'
import { checkBytes, KeywardError, SM2_DEFAULT_USER_ID } from '@keyward/core'
import { decodeDerSignature, encodeDerSignature } from './signature-codec.js'
import {
  A,
  B,
  bigIntToBytes,
  bytesToBigInt,
  decodePrivateKey,
  decodePublicKey,
  encodePoint,
  GX,
  GY,
  invert,
  mod,
  N,
} from './sm2-curve.js'
import { mulBase } from './sm2-native.js'
import { combinedX } from './sm2-verify-core.js'
import { tableCheck } from './sm2-verify-cache.js'
import { nativeCheck, nativeVerifyAvailable } from './sm2-verify-native.js'
import { sm3 } from './sm3.js'

/** A user id as a string (UTF-8) or bytes; at most 8191 bytes so that its bit length fits ENTL's 16 bits. */
export type Sm2UserId = string | Uint8Array

function userIdBytes(userId: Sm2UserId | undefined): Buffer {
  const id =
    userId === undefined
      ? Buffer.from(SM2_DEFAULT_USER_ID, 'utf8')
      : typeof userId === 'string'
        ? Buffer.from(userId, 'utf8')
        : Buffer.from(userId)
  if (id.length > 8191)
    throw new KeywardError('InvalidParameterValue', `userId must be at most 8191 bytes, got ${id.length}.`)
  return id
}

const CURVE_BYTES = Buffer.concat([bigIntToBytes(A), bigIntToBytes(B), bigIntToBytes(GX), bigIntToBytes(GY)])

/**
 * Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), the signer's identity hash; the user id defaults to
 * `1234567812345678`.
 */
export function sm2Za(publicKey: Uint8Array, userId?: Sm2UserId): Buffer {
  decodePublicKey(publicKey)
  const id = userIdBytes(userId)
  const entl = Buffer.alloc(2)
  entl.writeUInt16BE(id.length * 8)
  return sm3(Buffer.concat([entl, id, CURVE_BYTES, publicKey.subarray(1)]))
}

/**
 * e = SM3(Z ‖ M): the 32-byte digest SM2 signs, what `gmssl sm2utl -dgst -id 1234567812345678` prints and what
 * Tencent KMS expects as a DIGEST message for SM2DSA.
 */
export function sm2MessageDigest(publicKey: Uint8Array, message: Uint8Array, userId?: Sm2UserId): Buffer {
  checkBytes('message', message, 0, 2 ** 31 - 1)
  return sm3(Buffer.concat([sm2Za(publicKey, userId), message]))
}

/**
 * Signs the 32-byte digest `e` (see {@link sm2MessageDigest}) with the private key `d`; returns DER
 * SEQUENCE{r, s}. Not constant-time in BigInt parts (see the module note).
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = sm2GenerateKeyPair()
 * const sig = sm2SignDigest(privateKey, sm2MessageDigest(publicKey, msg))
 * ```
 */
export function sm2SignDigest(privateKey: Uint8Array, digest: Uint8Array): Buffer {
  const d = decodePrivateKey(privateKey)
  checkBytes('digest', digest, 32, 32)
  const e = bytesToBigInt(digest)
  const dInv = invert(1n + d, N)
  for (;;) {
    const k = bytesToBigInt(randomBytes(32))
    if (k === 0n || k >= N) continue
    const r = mod(e + mulBase(k).x, N)
    if (r === 0n || r + k === N) continue
    const s = mod(dInv * (k - r * d), N)
    if (s === 0n) continue
    return encodeDerSignature(r, s)
  }
}

/** Options of {@link sm2Sign}. */
export interface Sm2SignOptions {
  /** The signer's public key; derived from the private key when absent (one scalar multiplication). It must be
   * the key of `privateKey`: a different key yields signatures that do not verify. */
  publicKey?: Uint8Array
  /** Defaults to `1234567812345678`. */
  userId?: Sm2UserId
}

/**
 * SM2 signature of `message` (SM3 over Z ‖ M, then {@link sm2SignDigest}); DER output, as Tencent KMS and
 * `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678` produce.
 *
 * @example
 * ```ts
 * const sig = sm2Sign(privateKey, Buffer.from('hello'))
 * sm2Verify(publicKey, Buffer.from('hello'), sig) // true
 * ```
 */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, options: Sm2SignOptions = {}): Buffer {
  const d = decodePrivateKey(privateKey)
  const pub = options.publicKey ?? encodePoint(mulBase(d))
  return sm2SignDigest(privateKey, sm2MessageDigest(pub, message, options.userId))
}

/** Parses DER SEQUENCE{r, s}; undefined when it is not exactly that with r, s in [1, n-1]. */
function parseSignature(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  try {
    const { r, s } = decodeDerSignature(sig)
    if (r < 1n || r >= N || s < 1n || s >= N) return undefined
    return { r, s }
  } catch {
    return undefined
  }
}

/**
 * Verifies a DER signature over the 32-byte digest `e`. Returns false for any invalid signature (bad DER, r or
 * s outside [1, n-1], wrong value); throws KeywardError only for a bad public key or digest.
 *
 * x(s·G + t·P) comes from the first route that applies: the tables of a hot key (sm2-verify-cache.ts), OpenSSL's
 * ECDSA verifier (sm2-verify-native.ts), or three ECDH products (sm2-verify-core.ts). All give the same answer.
 */
export function sm2VerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  const point = decodePublicKey(publicKey)
  checkBytes('digest', digest, 32, 32)
  if (!(signature instanceof Uint8Array)) return false
  const rs = parseSignature(signature)
  if (!rs) return false
  const t = mod(rs.r + rs.s, N)
  if (t === 0n) return false
  // x1 ≡ r − e (mod n) is the same test as (e + x1) mod n = r; r − e = 0 cannot be an ECDSA r, so it goes slow.
  const rPrime = mod(rs.r - bytesToBigInt(digest), N)
  const fromTables = tableCheck(rs.s, t, rPrime, publicKey, point)
  if (fromTables !== undefined) return fromTables
  if (rPrime !== 0n && nativeVerifyAvailable()) {
    const fast = nativeCheck(rs.s, t, rPrime, publicKey)
    if (fast !== undefined) return fast
  }
  const x1 = combinedX(rs.s, t, point)
  if (x1 === undefined) return false
  return mod(x1, N) === rPrime
}

/** Options of {@link sm2Verify}. */
export interface Sm2VerifyOptions {
  /** Defaults to `1234567812345678`. */
  userId?: Sm2UserId
}

/** Verifies an SM2 DER signature over `message` (SM3 over Z ‖ M); false for any invalid signature. */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2VerifyOptions = {},
): boolean {
  return sm2VerifyDigest(publicKey, sm2MessageDigest(publicKey, message, options.userId), signature)
}
