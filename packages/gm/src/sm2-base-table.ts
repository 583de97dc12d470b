/** k·G for PUBLIC scalars from a byte-window table of G, built on first use (see fixed-base-table.ts). */
import { FixedBaseTable, toAffine } from './fixed-base-table.js'
import { GX, GY, type AffinePoint } from './sm2-curve.js'

let table: FixedBaseTable | undefined

/** The table of G (≈ 90 ms to build, once per process). */
export function baseTable(): FixedBaseTable {
  table ??= new FixedBaseTable({ x: GX, y: GY })
  return table
}

/** k·G for a public k in [1, n-1]; throws RangeError for 0. Not constant-time. */
export function mulBasePublic(k: bigint): AffinePoint {
  const sum = baseTable().accumulate(undefined, k)
  if (sum === undefined) throw new RangeError('k must be in [1, n-1]')
  return toAffine(sum)
}
