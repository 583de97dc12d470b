import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('key tags (CreateKey Tags, ListKeyDetail TagFilters) through the real SDK', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
  })
  afterAll(async () => t.close())

  const aliasesOf = async (filters: Array<{ TagKey: string; TagValue?: string[] }>): Promise<string[]> =>
    ((await t.admin.ListKeyDetail({ TagFilters: filters, Limit: 200 })).KeyMetadatas ?? [])
      .map((k) => k.Alias as string)
      .sort()

  it('tags a key as Tencent does (TagCode 0, TagMsg ok) and filters by key, by value and by several filters', async () => {
    const made = await t.admin.CreateKey({
      Alias: 'prod-orders',
      Tags: [
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'team', TagValue: 'pay' },
      ],
    })
    expect(made).toMatchObject({ TagCode: 0, TagMsg: 'ok' })
    await t.admin.CreateKey({ Alias: 'dev-orders', Tags: [{ TagKey: 'env', TagValue: 'dev' }] })
    const untagged = await t.admin.CreateKey({ Alias: 'untagged' })
    expect(untagged.TagCode).toBeUndefined()
    expect(await aliasesOf([{ TagKey: 'env' }])).toEqual(['dev-orders', 'prod-orders'])
    expect(await aliasesOf([{ TagKey: 'env', TagValue: ['prod'] }])).toEqual(['prod-orders'])
    expect(await aliasesOf([{ TagKey: 'env', TagValue: ['dev', 'prod'] }])).toEqual(['dev-orders', 'prod-orders'])
    expect(
      await aliasesOf([
        { TagKey: 'env', TagValue: ['prod'] },
        { TagKey: 'team', TagValue: ['ops'] },
      ]),
    ).toEqual([])
    expect(await aliasesOf([])).toEqual(['dev-orders', 'prod-orders', 'untagged'])
  })

  it("another account's tagged keys never show through its filters", async () => {
    const other = await t.account('tags-other')
    await other.CreateKey({ Alias: 'theirs', Tags: [{ TagKey: 'env', TagValue: 'prod' }] })
    expect(await aliasesOf([{ TagKey: 'env', TagValue: ['prod'] }])).toEqual(['prod-orders'])
    expect(
      ((await other.ListKeyDetail({ TagFilters: [{ TagKey: 'env' }] })).KeyMetadatas ?? []).map((k) => k.Alias),
    ).toEqual(['theirs'])
  })

  it('bad tags are refused before any key is made', async () => {
    const before = (await t.admin.ListKeys({ Limit: 200 })).TotalCount
    expect(
      await codeOf(
        t.admin.CreateKey({
          Alias: 'dup-tags',
          Tags: [
            { TagKey: 'a', TagValue: '1' },
            { TagKey: 'a', TagValue: '2' },
          ],
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'empty-key', Tags: [{ TagKey: '', TagValue: '1' }] }))).toBe(
      'InvalidParameterValue',
    )
    expect(
      await codeOf(t.admin.CreateKey({ Alias: 'long-key', Tags: [{ TagKey: 'k'.repeat(128), TagValue: '1' }] })),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.CreateKey({
          Alias: 'too-many',
          Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })),
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.request('CreateKey', { Alias: 'not-list', Tags: { TagKey: 'a' } }))).toBe(
      'InvalidParameter',
    )
    expect(await codeOf(t.admin.request('ListKeyDetail', { TagFilters: [{ TagKey: 'env', TagValue: 'prod' }] }))).toBe(
      'InvalidParameter',
    )
    expect((await t.admin.ListKeys({ Limit: 200 })).TotalCount).toBe(before)
  })

  it('tags go with the key: a purged key leaves none behind', async () => {
    const { KeyId } = await t.admin.CreateKey({ Alias: 'short-lived', Tags: [{ TagKey: 'ttl', TagValue: 'short' }] })
    await t.server.store.retireKey(KeyId!, 0)
    expect((await t.server.store.tags.of([KeyId!])).get(KeyId!)).toEqual([])
  })
})
