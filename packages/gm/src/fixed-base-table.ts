/**
 * Multiples of a fixed point by PUBLIC scalars (signature verification only), from a table of byte-window
 * multiples: with T[i][b] = b·2^(8i)·B, k·B = Σ T[i][byte i of k], at most 32 mixed Jacobian additions in BigInt
 * — about 2.5× cheaper than a native constant-time ladder through Node's ECDH. Not constant-time: never pass a
 * secret scalar. A table holds 32 × 255 affine points (≈ 1 MB) and takes tens of milliseconds to build.
 */
import { addPoints, invert, mod, P, type AffinePoint } from './sm2-curve.js'

/** A point in Jacobian coordinates (x/z², y/z³). */
export interface Jacobian {
  x: bigint
  y: bigint
  z: bigint
}

/** Jacobian + affine (madd-2007-bl); undefined when the two are equal or opposite (the caller handles it). */
function addMixed(a: Jacobian, x2: bigint, y2: bigint): Jacobian | undefined {
  const z1z1 = (a.z * a.z) % P
  const u2 = (x2 * z1z1) % P
  const s2 = (((y2 * a.z) % P) * z1z1) % P
  const h = mod(u2 - a.x, P)
  const r = mod(s2 - a.y, P)
  if (h === 0n) return undefined
  const hh = (h * h) % P
  const hhh = (h * hh) % P
  const v = (a.x * hh) % P
  const x3 = mod(r * r - hhh - 2n * v, P)
  const y3 = mod(r * (v - x3) - a.y * hhh, P)
  return { x: x3, y: y3, z: (a.z * h) % P }
}

/** Affine form of a Jacobian point. */
export function toAffine(j: Jacobian): AffinePoint {
  const zi = invert(j.z, P)
  const zi2 = (zi * zi) % P
  return { x: (j.x * zi2) % P, y: (((j.y * zi2) % P) * zi) % P }
}

/** Converts many Jacobian points with one inversion (Montgomery's trick). */
function batchToAffine(points: Jacobian[]): AffinePoint[] {
  const prefix = new Array<bigint>(points.length)
  let acc = 1n
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc
    acc = (acc * points[i]!.z) % P
  }
  let inv = invert(acc, P)
  const out = new Array<AffinePoint>(points.length)
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!
    const zi = (inv * prefix[i]!) % P
    inv = (inv * p.z) % P
    const zi2 = (zi * zi) % P
    out[i] = { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P }
  }
  return out
}

/** Byte-window table of one base point. */
export class FixedBaseTable {
  /** x and y of b·2^(8i)·B at index i * 255 + b − 1. */
  readonly #xs: bigint[] = []
  readonly #ys: bigint[] = []

  /** Builds the table of `base`, a valid point of order n (every point of the SM2 curve but infinity). */
  constructor(base: AffinePoint) {
    let b = base
    for (let w = 0; w < 32; w++) {
      const twice = addPoints(b, b)!
      const jac: Jacobian[] = [
        { x: b.x, y: b.y, z: 1n },
        { x: twice.x, y: twice.y, z: 1n },
      ]
      // j·b + b never meets ±b for 2 ≤ j ≤ 254 (the order n is a 256-bit prime).
      for (let j = 3; j <= 255; j++) jac.push(addMixed(jac[j - 2]!, b.x, b.y)!)
      for (const p of batchToAffine(jac)) {
        this.#xs.push(p.x)
        this.#ys.push(p.y)
      }
      b = addPoints({ x: this.#xs[this.#xs.length - 1]!, y: this.#ys[this.#ys.length - 1]! }, b)!
    }
  }

  /**
   * acc + k·B for a public k in [0, 2^256); `undefined` stands for the point at infinity, in and out.
   * Equal or opposite intermediate points (astronomically rare) are added exactly in affine form.
   */
  accumulate(acc: Jacobian | undefined, k: bigint): Jacobian | undefined {
    let sum = acc
    let rest = k
    for (let w = 0; rest > 0n; w++, rest >>= 8n) {
      const byte = Number(rest & 255n)
      if (byte === 0) continue
      const i = w * 255 + byte - 1
      const x = this.#xs[i]!
      const y = this.#ys[i]!
      if (sum === undefined) {
        sum = { x, y, z: 1n }
        continue
      }
      const next = addMixed(sum, x, y)
      if (next) {
        sum = next
      } else {
        const exact = addPoints(toAffine(sum), { x, y })
        sum = exact === null ? undefined : { x: exact.x, y: exact.y, z: 1n }
      }
    }
    return sum
  }
}
