/**
 * Scalar multiplications on the SM2 curve done by Node's OpenSSL through `createECDH('SM2')`: native speed, and
 * OpenSSL's constant-time ladder for the secret scalars (signing nonces, private keys). One ECDH object is reused:
 * JavaScript runs these calls one at a time, and each call sets the scalar it needs before using it.
 */
import { createECDH, type ECDH } from 'node:crypto'
import { bigIntToBytes, bytesToBigInt, encodePoint, type AffinePoint } from './sm2-curve.js'

let ecdh: ECDH | undefined

function engine(): ECDH {
  ecdh ??= createECDH('SM2')
  return ecdh
}

/** k·G as a full affine point, for k in [1, n-1]. */
export function mulBase(k: bigint): AffinePoint {
  const e = engine()
  e.setPrivateKey(bigIntToBytes(k))
  const pub = e.getPublicKey()
  return { x: bytesToBigInt(pub.subarray(1, 33)), y: bytesToBigInt(pub.subarray(33, 65)) }
}

/** x(k·P) for k in [1, n-1] and P a valid point (not infinity). */
export function mulPointX(k: bigint, point: AffinePoint): bigint {
  const e = engine()
  e.setPrivateKey(bigIntToBytes(k))
  return bytesToBigInt(e.computeSecret(encodePoint(point)))
}
