/**
 * x(s·G + t·P), the heart of SM2 verification, from three native scalar multiplications and BigInt glue.
 *
 * Node exposes k·G as a full point but k·P only as its x coordinate (ECDH). The y of T = t·P follows without a
 * square root from x(T+P), which a second native product x((t+1)·P) gives: with λ = (yP − yT)/(xP − xT),
 * λ² = x(T+P) + xT + xP, so (yP − yT)² = λ²(xP − xT)² and, as yT² = xT³ + a·xT + b,
 * yT = (yP² + yT² − λ²(xP − xT)²) / (2·yP). Everything here handles public values only.
 */
import { A, addPoints, B, isOnCurve, mod, N, P, invert, type AffinePoint } from './sm2-curve.js'
import { mulBasePublic } from './sm2-base-table.js'
import { mulPointX } from './sm2-native.js'

/** t·P as a full point, for t in [1, n-1] and P a valid point. */
export function mulPoint(t: bigint, point: AffinePoint): AffinePoint {
  if (t === 1n) return point
  if (t === N - 1n) return { x: point.x, y: P - point.y }
  const xT = mulPointX(t, point)
  // T = ±P would need a doubling or give infinity below; t ∉ {1, n-1} excludes both (n is prime).
  const xSum = mulPointX(t + 1n, point)
  const lambdaSq = mod(xSum + xT + point.x, P)
  const dx = mod(point.x - xT, P)
  const ySqT = mod(xT * xT * xT + A * xT + B, P)
  const yT = mod((point.y * point.y + ySqT - lambdaSq * dx * dx) * invert(2n * point.y, P), P)
  if (!isOnCurve(xT, yT)) throw new Error('SM2 internal error: recovered point is not on the curve')
  return { x: xT, y: yT }
}

/** x(s·G + t·P), or undefined when the sum is the point at infinity. s, t in [1, n-1]. */
export function combinedX(s: bigint, t: bigint, point: AffinePoint): bigint | undefined {
  const sum = addPoints(mulBasePublic(s), mulPoint(t, point))
  return sum?.x
}
