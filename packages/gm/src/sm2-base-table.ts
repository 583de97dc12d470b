/**
 * k·G for PUBLIC scalars k (signature verification only), from a table of 32 × 255 affine multiples of G
 * (byte windows): k·G = Σ T[i][byte i of k], 31 mixed Jacobian additions in BigInt — about half the cost of a
 * native constant-time ladder through Node's ECDH. Not constant-time: never call it with a secret scalar.
 * The table (~8k points) is built on first use, in tens of milliseconds.
 */
import { addPoints, GX, GY, invert, mod, P, type AffinePoint } from './sm2-curve.js'

/** T[i * 255 + (b - 1)] = b · 2^(8i) · G, as x and y arrays. */
let tableX: bigint[] | undefined
let tableY: bigint[] | undefined

interface Jacobian {
  x: bigint
  y: bigint
  z: bigint
}

/** Jacobian + affine (add-2007-bl, madd form); undefined when the inputs are equal or opposite (caller handles). */
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

function toAffine(j: Jacobian): AffinePoint {
  const zi = invert(j.z, P)
  const zi2 = (zi * zi) % P
  return { x: (j.x * zi2) % P, y: (((j.y * zi2) % P) * zi) % P }
}

/** Converts many Jacobian points with one inversion (Montgomery's trick). */
function batchToAffine(points: Jacobian[]): AffinePoint[] {
  const prefix: bigint[] = new Array<bigint>(points.length)
  let acc = 1n
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc
    acc = (acc * points[i]!.z) % P
  }
  let inv = invert(acc, P)
  const out: AffinePoint[] = new Array<AffinePoint>(points.length)
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!
    const zi = (inv * prefix[i]!) % P
    inv = (inv * p.z) % P
    const zi2 = (zi * zi) % P
    out[i] = { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P }
  }
  return out
}

function build(): void {
  const xs: bigint[] = []
  const ys: bigint[] = []
  let base: AffinePoint = { x: GX, y: GY }
  for (let w = 0; w < 32; w++) {
    const twice = addPoints(base, base)!
    const jac: Jacobian[] = [{ x: base.x, y: base.y, z: 1n }, { x: twice.x, y: twice.y, z: 1n }]
    for (let b = 3; b <= 255; b++) jac.push(addMixed(jac[b - 2]!, base.x, base.y)!)
    const affine = batchToAffine(jac)
    for (const p of affine) {
      xs.push(p.x)
      ys.push(p.y)
    }
    base = addPoints(affine[254]!, base)!
  }
  tableX = xs
  tableY = ys
}

/** k·G for a public k in [1, n-1]. */
export function mulBasePublic(k: bigint): AffinePoint {
  if (!tableX || !tableY) build()
  const xs = tableX!
  const ys = tableY!
  let acc: Jacobian | undefined
  let rest = k
  for (let w = 0; rest > 0n; w++, rest >>= 8n) {
    const b = Number(rest & 255n)
    if (b === 0) continue
    const i = w * 255 + b - 1
    if (!acc) {
      acc = { x: xs[i]!, y: ys[i]!, z: 1n }
      continue
    }
    const next = addMixed(acc, xs[i]!, ys[i]!)
    if (next) {
      acc = next
    } else {
      // Equal or opposite points: cannot happen for k < n (see the tests), handled exactly anyway.
      const sum = addPoints(toAffine(acc), { x: xs[i]!, y: ys[i]! })
      if (sum === null) throw new RangeError('k·G is infinity: k must be in [1, n-1]')
      acc = { x: sum.x, y: sum.y, z: 1n }
    }
  }
  if (!acc) throw new RangeError('k must be in [1, n-1]')
  return toAffine(acc)
}
