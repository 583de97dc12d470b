import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('hosted data keys through the SDK', () => {
  let t: TestServer
  let keyId: string
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    keyId = (await t.admin.CreateKey({ Alias: 'dk-cmk' })).KeyId!
  })
  afterAll(async () => {
    await t.close()
  })

  it('GenerateDataKey IsHostedByKms=1 stores only the ciphertext; GetDataKeyPlaintext returns the same key', async () => {
    const g = await t.admin.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'payments-dek',
      Description: 'for payments',
    })
    expect(g.DataKeyId).toMatch(/^[0-9a-f-]{36}$/)
    const plain = await t.admin.GetDataKeyPlaintext({ DataKeyId: g.DataKeyId! })
    expect(plain.Plaintext).toBe(g.Plaintext)
    const blob = await t.admin.GetDataKeyCiphertextBlob({ DataKeyId: g.DataKeyId! })
    expect(blob.CiphertextBlob).toBe(g.CiphertextBlob)
    // What the server stores is the provider's ciphertext, never the plaintext.
    const rows = await t.server.store.db.all('SELECT * FROM srv_data_keys')
    const dump = JSON.stringify(rows)
    expect(dump).not.toContain(g.Plaintext!)
    expect(dump).not.toContain(Buffer.from(g.Plaintext!, 'base64').toString('hex'))
    const d = await t.admin.DescribeDataKey({ DataKeyId: g.DataKeyId! })
    expect(d.DataKeyMetadata).toMatchObject({
      DataKeyId: g.DataKeyId,
      KeyId: keyId,
      KeyName: 'dk-cmk',
      DataKeyName: 'payments-dek',
      NumberOfBytes: 32,
      Description: 'for payments',
      KeyState: 'Enabled',
    })
    expect(
      await codeOf(
        t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_256', IsHostedByKms: 1, DataKeyName: 'payments-dek' }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_256', IsHostedByKms: 1 }))).toBe(
      'InvalidParameterValue',
    )
    expect(
      await codeOf(
        t.admin.GenerateDataKey({
          KeyId: keyId,
          KeySpec: 'AES_256',
          IsHostedByKms: 1,
          DataKeyName: 'long-desc',
          Description: '数'.repeat(34),
        }),
      ),
    ).toBe('InvalidParameterValue')
  })

  it('ListDataKeys, DescribeDataKeys, Enable/Disable(s), deletion scheduling', async () => {
    const a = await t.admin.GenerateDataKey({
      KeyId: keyId,
      IsHostedByKms: 1,
      DataKeyName: 'list-a',
      NumberOfBytes: 16,
    })
    const b = await t.admin.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'list-b',
    })
    const list = await t.admin.ListDataKeys({ Limit: 100 })
    expect(list.DataKeys!.map((k) => k.DataKeyId)).toEqual(expect.arrayContaining([a.DataKeyId, b.DataKeyId]))
    expect(list.TotalCount).toBe(list.DataKeys!.length)
    const ds = await t.admin.DescribeDataKeys({ DataKeyIds: [a.DataKeyId!, b.DataKeyId!] })
    expect(ds.DataKeyMetadatas!.map((m) => m.NumberOfBytes)).toEqual([16, 32])
    await t.admin.DisableDataKey({ DataKeyId: a.DataKeyId! })
    expect(await codeOf(t.admin.GetDataKeyPlaintext({ DataKeyId: a.DataKeyId! }))).toBe(
      'ResourceUnavailable.CmkStateNotSupport',
    )
    await t.admin.EnableDataKey({ DataKeyId: a.DataKeyId! })
    await t.admin.DisableDataKeys({ DataKeyIds: [a.DataKeyId!, b.DataKeyId!] })
    expect((await t.admin.DescribeDataKey({ DataKeyId: b.DataKeyId! })).DataKeyMetadata!.KeyState).toBe('Disabled')
    await t.admin.EnableDataKeys({ DataKeyIds: [a.DataKeyId!, b.DataKeyId!] })
    const s = await t.admin.ScheduleDataKeyDeletion({ DataKeyId: b.DataKeyId!, PendingWindowInDays: 7 })
    expect(s.DataKeyId).toBe(b.DataKeyId)
    expect((await t.admin.DescribeDataKey({ DataKeyId: b.DataKeyId! })).DataKeyMetadata).toMatchObject({
      KeyState: 'PendingDelete',
      DeletionDate: s.DeletionDate,
    })
    expect(await codeOf(t.admin.ScheduleDataKeyDeletion({ DataKeyId: b.DataKeyId!, PendingWindowInDays: 31 }))).toBe(
      'InvalidParameter.InvalidPendingWindowInDays',
    )
    await t.admin.CancelDataKeyDeletion({ DataKeyId: b.DataKeyId! })
    expect((await t.admin.DescribeDataKey({ DataKeyId: b.DataKeyId! })).DataKeyMetadata!.KeyState).toBe('Disabled')
    expect(await codeOf(t.admin.CancelDataKeyDeletion({ DataKeyId: b.DataKeyId! }))).toBe(
      'ResourceUnavailable.CmkStateNotSupport',
    )
    expect(await codeOf(t.admin.DescribeDataKey({ DataKeyId: '00000000-0000-0000-0000-000000000000' }))).toBe(
      'ResourceUnavailable.CmkNotFound',
    )
  })

  it('ListDataKeyDetail filters; UpdateDataKeyName / UpdateDataKeyDescription', async () => {
    const g = await t.admin.GenerateDataKey({
      KeyId: keyId,
      IsHostedByKms: 1,
      DataKeyName: 'detail-one',
      NumberOfBytes: 24,
    })
    const found = await t.admin.ListDataKeyDetail({ SearchKeyAlias: 'detail-', Limit: 100 })
    expect(found.DataKeyMetadatas!.map((m) => m.DataKeyId)).toEqual([g.DataKeyId])
    expect((await t.admin.ListDataKeyDetail({ DataKeyLen: 24, Limit: 100 })).TotalCount).toBe(1)
    await t.admin.UpdateDataKeyName({ DataKeyId: g.DataKeyId!, DataKeyName: 'detail-renamed' })
    await t.admin.UpdateDataKeyDescription({ DataKeyId: g.DataKeyId!, Description: 'described' })
    expect((await t.admin.DescribeDataKey({ DataKeyId: g.DataKeyId! })).DataKeyMetadata).toMatchObject({
      DataKeyName: 'detail-renamed',
      Description: 'described',
    })
    expect(await codeOf(t.admin.UpdateDataKeyName({ DataKeyId: g.DataKeyId!, DataKeyName: 'payments-dek' }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(t.admin.ListDataKeyDetail({ KeyState: 7 }))).toBe('InvalidParameterValue')
  })

  it("another account cannot see or use this account's data keys", async () => {
    const g = await t.admin.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'private-dek',
    })
    const other = await t.account('dk-other')
    expect(await codeOf(other.GetDataKeyPlaintext({ DataKeyId: g.DataKeyId! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(other.DescribeDataKey({ DataKeyId: g.DataKeyId! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect((await other.ListDataKeys({})).TotalCount).toBe(0)
  })
})
