import { describe, expect, it } from 'vitest'
import { assessBits, expectedFalsePositives, recommendBits } from '@keyward/flows/searchable'

describe('recommendBits', () => {
  it('unique values (phone, 身份证): the fewest bits within the false-positive budget, below the leakage bound', () => {
    const p = recommendBits({ rows: 100_000 })
    expect(p).toMatchObject({ minBits: 14, maxBits: 15, bits: 14, leaksMoreThanNeeded: false, warnings: [] })
    expect(p.falsePositivesPerLookup).toBeCloseTo(100_000 / 2 ** 14, 6)
    expect(p.valuesPerIndexValue).toBeCloseTo(100_000 / 2 ** 14, 6)
    // The formulas, at the boundaries: FP(minBits) ≤ budget < FP(minBits − 1); A(maxBits) ≥ 2 > A(maxBits + 1).
    for (const rows of [1_000, 20_000, 100_000, 1_000_000, 1.4e9]) {
      for (const budget of [1, 4, 10, 100]) {
        const q = recommendBits({ rows, maxFalsePositives: budget })
        expect(expectedFalsePositives(rows, q.minBits)).toBeLessThanOrEqual(budget)
        expect(expectedFalsePositives(rows, q.minBits - 1)).toBeGreaterThan(budget)
        expect(rows / 2 ** q.maxBits).toBeGreaterThanOrEqual(2)
        expect(rows / 2 ** (q.maxBits + 1)).toBeLessThan(2)
        expect(q.bits).toBe(Math.min(q.minBits, q.maxBits))
      }
    }
  })

  it("agrees with CipherSweet's planner on its documented example (50 000 rows: up to 15 bits safe)", () => {
    // ciphersweet.paragonie.com/php/blind-index-planning: population 50 000, no other index → { min: 8, max: 15 }.
    // Our maxBits counts ≥ 2 values per index value, CipherSweet's ≥ 2 rows: the same for unique values, one bit
    // stricter at the edge (CipherSweet's max is the first length whose coincidence count drops to 2 or below).
    const p = recommendBits({ rows: 50_000 })
    expect(p.maxBits).toBe(14)
    expect(50_000 / 2 ** 15).toBeLessThan(2)
    // Its lower bound √R is a budget of √R false positives: ours gives the same 8 bits for that budget.
    expect(recommendBits({ rows: 50_000, maxFalsePositives: Math.sqrt(50_000) }).minBits).toBe(8)
  })

  it('few distinct values bound the bits, whatever the rows', () => {
    const p = recommendBits({ rows: 1_000_000, distinctValues: 1000 })
    expect(p.maxBits).toBe(8) // 1000 / 2^8 = 3.9 values per index value; 2^9 → 1.95
    expect(p.bits).toBe(8)
    expect(p.warnings.join(' ')).toMatch(/would need 17 bits/)
    expect(p.falsePositivesPerLookup).toBeCloseTo(1_000_000 / 256, 6)
  })

  it('a yes/no field has no safe index of its own, and says to compound it', () => {
    const p = recommendBits({ rows: 1_000_000, distinctValues: 2 })
    expect(p.maxBits).toBe(0)
    expect(p.bits).toBe(1)
    expect(p.leaksMoreThanNeeded).toBe(true)
    expect(p.warnings[0]).toMatch(/compound index/)
  })

  it("other indexes on the same value spend part of the budget (CipherSweet's Σ min(Lᵢ, Kᵢ))", () => {
    // A last-4-digits index (10 000 values, 13 bits → min(13, log2 10000 = 13.29) = 13) beside a full-number one.
    const alone = recommendBits({ rows: 100_000 })
    const withLast4 = recommendBits({ rows: 100_000, otherIndexes: [{ bits: 13, distinctValues: 10_000 }] })
    expect(withLast4.maxBits).toBe(alone.maxBits - 13)
    expect(withLast4.warnings.length).toBeGreaterThan(0)
    expect(recommendBits({ rows: 100_000, otherIndexes: [{ bits: 2, distinctValues: 2 }] }).maxBits).toBe(
      alone.maxBits - 1,
    )
  })

  it('refuses nonsense input with InvalidParameterValue', () => {
    for (const bad of [
      { rows: 0 },
      { rows: -5 },
      { rows: NaN },
      { rows: Infinity },
      { rows: 10, distinctValues: 11 },
      { rows: 10, distinctValues: 0 },
      { rows: 10, maxFalsePositives: 0 },
      { rows: 10, otherIndexes: [{ bits: 0 }] },
      { rows: 10, otherIndexes: [{ bits: 1.5 }] },
      { rows: 10, otherIndexes: [{ bits: 3, distinctValues: -1 }] },
      { rows: 10, otherIndexes: 'x' },
    ]) {
      expect(() => recommendBits(bad as never), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue' }),
      )
    }
    expect(() => recommendBits(undefined as never)).toThrow(expect.objectContaining({ code: 'MissingParameter' }))
  })
})

describe('assessBits', () => {
  it('warns when a bit length separates values more than the table needs', () => {
    const a = assessBits(32, { rows: 100_000 })
    expect(a.leaksMoreThanNeeded).toBe(true)
    expect(a.warnings[0]).toMatch(/leaks more than it needs to.*15 bits or fewer/)
    expect(assessBits(15, { rows: 100_000 }).leaksMoreThanNeeded).toBe(false)
    expect(assessBits(16, { rows: 100_000 }).leaksMoreThanNeeded).toBe(true)
    expect(() => assessBits(0, { rows: 10 })).toThrow(/bits must be an integer from 1 to 256/)
    expect(() => assessBits(257, { rows: 10 })).toThrow(/bits must be/)
  })
})
