import { describe, expect, it } from 'vitest'
import type { KeyMetadata } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

/** ListKeys: SearchKeyAlias, filters by state, usage and origin, Offset/Limit paging and their limits. */
export function listCases(ctx: SuiteContext): void {
  describe('ListKeys', () => {
    const tag = `${ctx.runId}-list`
    const made: KeyMetadata[] = []
    const ensureKeys = async (): Promise<KeyMetadata[]> => {
      if (made.length === 0) {
        for (let i = 0; i < 3; i++) made.push(await ctx.createKey({ alias: `${tag}-${i}` }))
        await ctx.provider.disableKey(made[2]!.keyId)
      }
      return made
    }
    const ids = (keys: KeyMetadata[]) => keys.map((k) => k.keyId).sort()

    it('SearchKeyAlias finds keys by alias substring, with the total count', async () => {
      const keys = await ensureKeys()
      const res = await ctx.provider.listKeys({ searchKeyAlias: tag })
      expect(res.totalCount).toBe(3)
      expect(ids(res.keys)).toEqual(ids(keys))
    })

    it('filters by KeyState, KeyUsage and Origin', async () => {
      const keys = await ensureKeys()
      const disabled = await ctx.provider.listKeys({ searchKeyAlias: tag, keyState: 'Disabled' })
      expect(ids(disabled.keys)).toEqual([keys[2]!.keyId])
      const enabled = await ctx.provider.listKeys({
        searchKeyAlias: tag,
        keyState: 'Enabled',
        keyUsage: ctx.defaultUsage,
      })
      expect(ids(enabled.keys)).toEqual(ids(keys.slice(0, 2)))
      const external = await ctx.provider.listKeys({ searchKeyAlias: tag, origin: 'EXTERNAL' })
      expect(external.totalCount).toBe(0)
      const other = ctx.expected.keyUsages.find((u) => u !== ctx.defaultUsage)
      if (other) expect((await ctx.provider.listKeys({ searchKeyAlias: tag, keyUsage: other })).totalCount).toBe(0)
    })

    it('pages with Offset and Limit: pages are disjoint and cover every key', async () => {
      const keys = await ensureKeys()
      const first = await ctx.provider.listKeys({ searchKeyAlias: tag, limit: 2 })
      const second = await ctx.provider.listKeys({ searchKeyAlias: tag, limit: 2, offset: 2 })
      expect(first.keys).toHaveLength(2)
      expect(second.keys).toHaveLength(1)
      expect(first.totalCount).toBe(3)
      expect(second.totalCount).toBe(3)
      expect(ids([...first.keys, ...second.keys])).toEqual(ids(keys))
      expect((await ctx.provider.listKeys({ searchKeyAlias: tag, offset: 3 })).keys).toEqual([])
    })

    it('refuses a Limit outside 1-1000 and a negative Offset', async () => {
      await expectKeywardError(() => ctx.provider.listKeys({ limit: 0 }), 'InvalidParameterValue')
      await expectKeywardError(() => ctx.provider.listKeys({ limit: 1001 }), 'InvalidParameterValue')
      await expectKeywardError(() => ctx.provider.listKeys({ offset: -1 }), 'InvalidParameterValue')
    })
  })
}
