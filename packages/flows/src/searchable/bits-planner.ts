import { needs } from '@keyward/core'

/**
 * How many bits to keep of a blind index. Fewer bits make more values share each index value: more false positives
 * per lookup (rows fetched and decrypted, then discarded) and less leakage. More bits make the index closer to a
 * one-to-one tag of each value: fewer false positives, and a database reader sees which rows hold equal values.
 *
 * With R rows, D distinct values, L bits, and S bits already spent by other blind indexes of the same value
 * (S = Σ min(Lᵢ, log₂ Dᵢ)), each index value being a keyed PRF output truncated to L bits:
 * - false positives per lookup: FP(L) = R · 2⁻ᴸ (each row of another value matches with probability 2⁻ᴸ);
 * - distinct values per index value: A(L) = D · 2⁻⁽ᴸ⁺ˢ⁾. While A ≥ 2, equal index values do not show equal
 *   plaintexts: every index value is shared by two or more values on average.
 * So minBits = ⌈log₂(R / maxFalsePositives)⌉, maxBits = ⌊log₂(D / 2)⌋ − S, and the recommendation is minBits (the
 * most collisions that still meet the false-positive budget), never above maxBits.
 *
 * Source: the coincidence count of Paragon Initiative Enterprises' CipherSweet blind index planner
 * (https://ciphersweet.paragonie.com/php/blind-index-planning; `FieldIndexPlanner`: C = R / 2^Σmin(Lᵢ, Kᵢ), safe
 * when 2 ≤ C ≤ √R), with two changes: collisions are counted over distinct values rather than rows — rows of one
 * value always share an index value, so only collisions between values hide anything — and the lower bound is an
 * explicit false-positive budget instead of √R.
 */

/** Another blind index over the same value (a partial or compound one): it narrows the value down too. */
export interface OtherIndex {
  bits: number
  /** Distinct values that index can take (e.g. 10 000 for last four digits); default: unbounded. */
  distinctValues?: number
}

/** What {@link recommendBits} and {@link assessBits} need to know about the column. */
export interface BitsPlanInput {
  /** Rows the table will hold over the index key's life (plan for growth). */
  rows: number
  /** Distinct normalised values among them; default `rows` (every value unique, as phone or ID numbers). */
  distinctValues?: number
  /** Acceptable expected false-positive rows per lookup; default 10. */
  maxFalsePositives?: number
  /** Other blind indexes over the same value. */
  otherIndexes?: readonly OtherIndex[]
}

/** An assessment of one bit length. */
export interface BitsAssessment {
  bits: number
  /** Expected rows of other values returned by one lookup: R · 2⁻ᴸ. */
  falsePositivesPerLookup: number
  /** Expected distinct values per index value: D · 2⁻⁽ᴸ⁺ˢ⁾ (below 2: the index starts to tell values apart). */
  valuesPerIndexValue: number
  /** True when `bits` is above maxBits: it separates values more than the false-positive budget needs. */
  leaksMoreThanNeeded: boolean
  warnings: string[]
}

/** A recommendation: the range and the bit length to use. */
export interface BitsPlan extends BitsAssessment {
  /** Fewest bits with at most `maxFalsePositives` expected false positives per lookup. */
  minBits: number
  /** Most bits with at least two distinct values per index value on average (0: no index is safe). */
  maxBits: number
}

const MAX_BITS = 256

function checkInput(p: BitsPlanInput): { R: number; D: number; F: number; S: number } {
  /* Precondition: positive counts, distinct values no more than rows, other indexes with valid bit lengths. */
  needs(p !== null && typeof p === 'object', 'MissingParameter', 'The bits planner needs { rows, distinctValues? }.')
  const R = p.rows
  const D = p.distinctValues ?? R
  const F = p.maxFalsePositives ?? 10
  needs(Number.isFinite(R) && R >= 1, 'InvalidParameterValue', 'rows must be a number ≥ 1.')
  needs(
    Number.isFinite(D) && D >= 1 && D <= R,
    'InvalidParameterValue',
    'distinctValues must be a number from 1 to rows.',
  )
  needs(Number.isFinite(F) && F > 0, 'InvalidParameterValue', 'maxFalsePositives must be a number > 0.')
  needs(
    p.otherIndexes === undefined || Array.isArray(p.otherIndexes),
    'InvalidParameterValue',
    'otherIndexes must be an array.',
  )
  let S = 0
  for (const o of p.otherIndexes ?? []) {
    needs(
      Number.isInteger(o?.bits) && o.bits >= 1 && o.bits <= MAX_BITS,
      'InvalidParameterValue',
      `otherIndexes[].bits must be an integer from 1 to ${MAX_BITS}.`,
    )
    const od = o.distinctValues ?? Infinity
    needs(
      od === Infinity || (Number.isFinite(od) && od >= 1),
      'InvalidParameterValue',
      'otherIndexes[].distinctValues must be a number ≥ 1.',
    )
    S += Math.min(o.bits, Math.log2(od))
  }
  return { R, D, F, S }
}

/**
 * Expected false-positive rows per lookup in a table of `rows` rows with a `bits`-bit index: rows · 2⁻ᵇⁱᵗˢ.
 *
 * @example
 * ```ts
 * expectedFalsePositives(100_000, 14) // 6.1
 * ```
 */
export function expectedFalsePositives(rows: number, bits: number): number {
  return rows * 2 ** -bits
}

function assess(bits: number, R: number, D: number, S: number, maxBits: number): BitsAssessment {
  const valuesPerIndexValue = D * 2 ** -(bits + S)
  const leaksMoreThanNeeded = bits > Math.max(maxBits, 0)
  const warnings: string[] = []
  if (leaksMoreThanNeeded) {
    warnings.push(
      `A ${bits}-bit blind index over ${D} distinct values leaks more than it needs to: about ${valuesPerIndexValue.toPrecision(2)} values per index value, ` +
        `so equal index values mostly mean equal plaintexts (equality and frequency visible to anyone reading the table). ${Math.max(maxBits, 1)} bits or fewer keep at least two values per index value.`,
    )
  }
  return {
    bits,
    falsePositivesPerLookup: expectedFalsePositives(R, bits),
    valuesPerIndexValue,
    leaksMoreThanNeeded,
    warnings,
  }
}

/**
 * The leakage and false-positive cost of a chosen bit length, with a warning when it leaks more than needed.
 *
 * @example
 * ```ts
 * assessBits(32, { rows: 100_000 }).leaksMoreThanNeeded // true: 32 bits tell 100 000 values apart
 * ```
 */
export function assessBits(bits: number, input: BitsPlanInput): BitsAssessment {
  needs(
    Number.isInteger(bits) && bits >= 1 && bits <= MAX_BITS,
    'InvalidParameterValue',
    `bits must be an integer from 1 to ${MAX_BITS}.`,
  )
  const { R, D, S } = checkInput(input)
  return assess(bits, R, D, S, Math.floor(Math.log2(D / 2) - S))
}

/**
 * Recommends a bit length for a blind index: the fewest bits that keep expected false positives per lookup within
 * `maxFalsePositives`, and never more than keep two distinct values per index value (see the formulas above).
 * When no length satisfies both, it keeps the leakage bound and says so in `warnings`.
 *
 * @example
 * ```ts
 * recommendBits({ rows: 100_000 })
 * // { bits: 14, minBits: 14, maxBits: 15, falsePositivesPerLookup: 6.1, … }
 * recommendBits({ rows: 1_000_000, distinctValues: 2 })
 * // maxBits 0: a yes/no field cannot have a safe index of its own
 * ```
 */
export function recommendBits(input: BitsPlanInput): BitsPlan {
  const { R, D, F, S } = checkInput(input)
  const minBits = Math.min(MAX_BITS, Math.max(1, Math.ceil(Math.log2(R / F))))
  const maxBits = Math.min(MAX_BITS, Math.floor(Math.log2(D / 2) - S))
  const bits = Math.max(1, Math.min(minBits, maxBits))
  const a = assess(bits, R, D, S, maxBits)
  if (maxBits < 1) {
    a.warnings.unshift(
      `No blind index over ${D} distinct values${S > 0 ? ' (with the other indexes on it)' : ''} keeps two values per index value: any index reveals the value distribution. Index this field only inside a compound index with a high-entropy part.`,
    )
  } else if (minBits > maxBits) {
    a.warnings.push(
      `At most ${F} false positives per lookup would need ${minBits} bits, more than the ${maxBits} that keep values hidden among each other; with ${maxBits} bits expect ${a.falsePositivesPerLookup.toPrecision(3)} per lookup.`,
    )
  }
  return { ...a, minBits, maxBits }
}
