import { describe, expect, it } from 'vitest'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

/** GenerateRandom, which every provider offers whatever its roles (it is part of KeyProviderBase). */
export function randomCases(ctx: SuiteContext): void {
  const p = () => ctx.provider

  describe('GenerateRandom', () => {
    it('returns exactly 1, 32 and 1024 bytes', async () => {
      for (const n of [1, 32, 1024]) {
        const r = await p().generateRandom(n)
        expect(r).toBeInstanceOf(Uint8Array)
        expect(r).toHaveLength(n)
      }
    })

    it('successive 32-byte values differ and are not all zero', async () => {
      const seen = new Set<string>()
      for (let i = 0; i < 8; i++) {
        const r = Buffer.from(await p().generateRandom(32))
        expect(r.equals(Buffer.alloc(32))).toBe(false)
        seen.add(r.toString('hex'))
      }
      expect(seen.size).toBe(8)
    })

    it('refuses 0, 1025, fractions and non-numbers', async () => {
      for (const n of [0, 1025, 2.5, -1, Number.NaN]) {
        await expectKeywardError(() => p().generateRandom(n), 'InvalidParameterValue')
      }
      await expectKeywardError(() => p().generateRandom('32' as never), 'InvalidParameterValue')
    })
  })
}
