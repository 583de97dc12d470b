/**
 * The SM2 curve (GB/T 32918.5, "sm2p256v1") and the BigInt field/group arithmetic the SM2 code needs around the
 * native scalar multiplications. BigInt arithmetic is NOT constant-time: timing may reveal information about the
 * values it handles. The secret-dependent scalar multiplications run inside OpenSSL; what runs here with secrets
 * is the (1+d)^-1 and s = ... mod n step of signing.
 */
import { KeywardError } from '@keyward/core'

/** Field prime p. */
export const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn
/** Curve coefficient a = p - 3. */
export const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn
/** Curve coefficient b. */
export const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n
/** Group order n (cofactor 1). */
export const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n
/** Base point x. */
export const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n
/** Base point y. */
export const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n

/** An affine point; `null` is the point at infinity. */
export interface AffinePoint {
  readonly x: bigint
  readonly y: bigint
}

/** Non-negative `a mod m`. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}

/** Inverse of `a` modulo the prime `m` (extended Euclid: faster than a^(m-2) in BigInt). Throws on 0. */
export function invert(a: bigint, m: bigint): bigint {
  let r0 = mod(a, m)
  if (r0 === 0n) throw new RangeError('no inverse of 0')
  let r1 = m
  let s0 = 1n
  let s1 = 0n
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return mod(s0, m)
}

/** Big-endian bytes → bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0
    ? 0n
    : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'))
}

/** bigint → `length` big-endian bytes (the caller guarantees it fits). */
export function bigIntToBytes(value: bigint, length = 32): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')
}

/** y² = x³ + ax + b over p, with both coordinates in [0, p). */
export function isOnCurve(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false
  return mod(y * y - (x * x * x + A * x + B), P) === 0n
}

/** The y with y² = x³+ax+b, or `undefined` when x is not on the curve (p ≡ 3 mod 4, so y = c^((p+1)/4)). */
export function liftX(x: bigint): bigint | undefined {
  const c = mod(x * x * x + A * x + B, P)
  const y = modPow(c, (P + 1n) / 4n, P)
  return (y * y) % P === c ? y : undefined
}

/** base^exp mod m by square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n
  let b = mod(base, m)
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return result
}

/** Affine addition (handles doubling, inverses and infinity as `null`). */
export function addPoints(p1: AffinePoint | null, p2: AffinePoint | null): AffinePoint | null {
  if (p1 === null) return p2
  if (p2 === null) return p1
  let lambda: bigint
  if (p1.x === p2.x) {
    if (mod(p1.y + p2.y, P) === 0n) return null
    lambda = mod((3n * p1.x * p1.x + A) * invert(2n * p1.y, P), P)
  } else {
    lambda = mod((p2.y - p1.y) * invert(p2.x - p1.x, P), P)
  }
  const x = mod(lambda * lambda - p1.x - p2.x, P)
  const y = mod(lambda * (p1.x - x) - p1.y, P)
  return { x, y }
}

/**
 * Decodes an uncompressed public key 04‖x‖y (65 bytes) and checks that it is a point of the curve other than
 * infinity (the cofactor is 1, so every such point has order n). Bad input → KeywardError.
 */
export function decodePublicKey(pub: unknown, field = 'publicKey'): AffinePoint {
  if (!(pub instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', `${field} must be bytes (Uint8Array/Buffer).`)
  if (pub.length !== 65 || pub[0] !== 0x04) {
    throw new KeywardError(
      'InvalidParameterValue',
      `${field} must be an uncompressed SM2 point 04‖x‖y (65 bytes), got ${pub.length} bytes.`,
    )
  }
  const x = bytesToBigInt(pub.subarray(1, 33))
  const y = bytesToBigInt(pub.subarray(33, 65))
  if (!isOnCurve(x, y)) throw new KeywardError('InvalidParameterValue', `${field} is not a point on the SM2 curve.`)
  return { x, y }
}

/** 04‖x‖y of a point. */
export function encodePoint(point: AffinePoint): Buffer {
  return Buffer.concat([Buffer.of(4), bigIntToBytes(point.x), bigIntToBytes(point.y)])
}

/** Decodes a 32-byte private key and checks 1 ≤ d ≤ n-2 (SM2 signing needs 1+d invertible). */
export function decodePrivateKey(d: unknown, field = 'privateKey'): bigint {
  if (!(d instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', `${field} must be bytes (Uint8Array/Buffer).`)
  if (d.length !== 32) throw new KeywardError('InvalidParameterValue', `${field} must be 32 bytes, got ${d.length}.`)
  const v = bytesToBigInt(d)
  if (v < 1n || v > N - 2n) throw new KeywardError('InvalidParameterValue', `${field} is out of range [1, n-2].`)
  return v
}
