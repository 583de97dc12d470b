/**
 * Hot-key verification: once one public key has been verified against `hotAfter` times, a byte-window table of
 * its multiples is built (≈ 90 ms, ≈ 1 MB) and later checks compute s·G + t·P entirely from the two tables —
 * about three times faster than the native route. Keys verified only now and then never pay for a table. At
 * most `maxKeys` tables are kept (least recently used first out), and at most one is built per 256
 * verifications, so that cycling through more hot keys than `maxKeys` cannot turn table builds into the main
 * cost. Public values only.
 */
import { checkInt } from '@keyward/core'
import { FixedBaseTable, toAffine } from './fixed-base-table.js'
import { baseTable } from './sm2-base-table.js'
import { mod, N, type AffinePoint } from './sm2-curve.js'

/** Tuning of the hot-key tables. */
export interface Sm2VerifyCacheOptions {
  /** Tables kept at once, 0-64 (0 turns the cache off). Default 4. */
  maxKeys?: number
  /** Verifications with one key before its table is built, 1-1000000. Default 16. */
  hotAfter?: number
}

let maxKeys = 4
let hotAfter = 16
/** Verifications seen per key not yet hot (bounded, oldest forgotten first). */
const counts = new Map<string, number>()
const MAX_COUNTED = 4096
/** Built tables in least-recently-used order. */
const tables = new Map<string, FixedBaseTable>()
/** Verifications that must pass between two table builds, and the count since the last build. */
const BUILD_INTERVAL = 256
let sinceBuild = BUILD_INTERVAL

/**
 * Sets how many public-key tables SM2 verification keeps and how soon it builds one. Tables hold only public
 * data; they trade memory (≈ 1 MB each) and a one-off ≈ 90 ms build for ≈ 3× faster verification of hot keys.
 *
 * @example
 * ```ts
 * configureSm2VerifyCache({ maxKeys: 0 }) // many distinct keys, each verified rarely: no tables
 * ```
 */
export function configureSm2VerifyCache(options: Sm2VerifyCacheOptions): void {
  if (options.maxKeys !== undefined) checkInt('maxKeys', options.maxKeys, 0, 64)
  if (options.hotAfter !== undefined) checkInt('hotAfter', options.hotAfter, 1, 1_000_000)
  maxKeys = options.maxKeys ?? maxKeys
  hotAfter = options.hotAfter ?? hotAfter
  counts.clear()
  sinceBuild = BUILD_INTERVAL
  while (tables.size > maxKeys) tables.delete(tables.keys().next().value!)
}

function tableFor(publicKey: Uint8Array, point: AffinePoint): FixedBaseTable | undefined {
  if (maxKeys === 0) return undefined
  sinceBuild++
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  const known = tables.get(id)
  if (known) {
    tables.delete(id)
    tables.set(id, known)
    return known
  }
  const seen = (counts.get(id) ?? 0) + 1
  counts.delete(id)
  if (seen < hotAfter || sinceBuild < BUILD_INTERVAL) {
    counts.set(id, seen)
    if (counts.size > MAX_COUNTED) counts.delete(counts.keys().next().value!)
    return undefined
  }
  const table = new FixedBaseTable(point)
  sinceBuild = 0
  tables.set(id, table)
  while (tables.size > maxKeys) tables.delete(tables.keys().next().value!)
  return table
}

/**
 * Whether x(s·G + t·P) ≡ rPrime (mod n) from the tables, or undefined while the key is not hot. Counts this
 * call towards making `publicKey` hot.
 */
export function tableCheck(
  s: bigint,
  t: bigint,
  rPrime: bigint,
  publicKey: Uint8Array,
  point: AffinePoint,
): boolean | undefined {
  const table = tableFor(publicKey, point)
  if (!table) return undefined
  const sum = table.accumulate(baseTable().accumulate(undefined, s), t)
  return sum !== undefined && mod(toAffine(sum).x, N) === rPrime
}
