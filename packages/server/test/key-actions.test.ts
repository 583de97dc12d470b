import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('key Actions through the Tencent SDK', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
  })
  afterAll(async () => {
    await t.close()
  })

  it('CreateKey returns Tencent fields; DescribeKey maps KeyMetadata field by field', async () => {
    const k = await t.admin.CreateKey({ Alias: 'orders', Description: 'order data' })
    expect(k).toMatchObject({
      Alias: 'orders',
      Description: 'order data',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
    })
    expect(k.KeyId).toMatch(/^[A-Za-z0-9-]+$/)
    expect(k.RequestId).toMatch(/^[0-9a-f-]{36}$/)
    const d = await t.admin.DescribeKey({ KeyId: k.KeyId! })
    expect(d.KeyMetadata).toMatchObject({
      KeyId: k.KeyId,
      Alias: 'orders',
      Description: 'order data',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Type: 1,
      Origin: 'TENCENT_KMS',
      Owner: 'user',
      KeyRotationEnabled: false,
      DeletionDate: 0,
      ValidTo: 0,
      // Keyward extensions (Tencent derives these from KeyUsage/Type).
      KeySpec: 'AES_256',
      KeyVersionCount: 1,
    })
    expect(d.KeyMetadata!.CreateTime).toBe(k.CreateTime)
  })

  it('CreateKey makes every usage and SM4 keys; bad fields get Tencent codes', async () => {
    for (const usage of [
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_DECRYPT_SM2',
      'ASYMMETRIC_SIGN_VERIFY_SM2',
      'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_ECC',
    ]) {
      const k = await t.admin.CreateKey({ Alias: `u-${usage.toLowerCase()}`, KeyUsage: usage })
      expect(k.KeyUsage).toBe(usage)
    }
    const sm4 = await t.admin.request('CreateKey', { Alias: 'sm4-key', KeySpec: 'SM4' })
    expect((sm4 as { KeyUsage: string }).KeyUsage).toBe('ENCRYPT_DECRYPT')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'orders' }))).toBe('InvalidParameterValue.AliasAlreadyExists')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'KMS-reserved' }))).toBe('InvalidParameterValue.InvalidAlias')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'bad alias!' }))).toBe('InvalidParameterValue.InvalidAlias')
    expect(await codeOf(t.admin.CreateKey({ Alias: '-leading-dash' }))).toBe('InvalidParameterValue.InvalidAlias')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'bytes', Description: '密'.repeat(342) }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(t.admin.CreateKey({ Alias: 'x', KeyUsage: 'NOPE' }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.CreateKey({ Alias: 'x', Type: 3 }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.request('CreateKey', {}))).toBe('MissingParameter')
    expect(await codeOf(t.admin.request('CreateKey', { Alias: 5 }))).toBe('InvalidParameter')
  })

  it('DescribeKey of an unknown or malformed KeyId', async () => {
    expect(await codeOf(t.admin.DescribeKey({ KeyId: '00000000-0000-0000-0000-000000000000' }))).toBe(
      'ResourceUnavailable.CmkNotFound',
    )
    expect(await codeOf(t.admin.DescribeKey({ KeyId: 'bad id/..' }))).toBe('InvalidParameterValue.InvalidKeyId')
    expect(await codeOf(t.admin.request('DescribeKey', {}))).toBe('MissingParameter')
  })

  it('DescribeKeys, ListKeys and ListKeyDetail with filters and paging', async () => {
    const a = await t.admin.CreateKey({ Alias: 'list-a' })
    const b = await t.admin.CreateKey({ Alias: 'list-b' })
    const ds = await t.admin.DescribeKeys({ KeyIds: [a.KeyId!, b.KeyId!, '00000000-0000-0000-0000-000000000000'] })
    expect(ds.KeyMetadatas!.map((m) => m.Alias).sort()).toEqual(['list-a', 'list-b'])
    const all = await t.admin.ListKeys({ Limit: 200 })
    expect(all.Keys!.map((k) => k.KeyId)).toEqual(expect.arrayContaining([a.KeyId, b.KeyId]))
    expect(all.TotalCount).toBe(all.Keys!.length)
    const page = await t.admin.ListKeys({ Offset: 1, Limit: 2 })
    expect(page.Keys).toHaveLength(2)
    expect(page.TotalCount).toBe(all.TotalCount)
    await t.admin.DisableKey({ KeyId: b.KeyId! })
    const disabled = await t.admin.ListKeyDetail({ KeyState: 2, Limit: 200 })
    expect(disabled.KeyMetadatas!.map((m) => m.KeyId)).toEqual([b.KeyId])
    const search = await t.admin.ListKeyDetail({ SearchKeyAlias: 'list-', Limit: 200 })
    expect(search.TotalCount).toBe(2)
    // As Tencent: without KeyUsage only ENCRYPT_DECRYPT keys are listed; ALL lists every usage.
    const symmetricOnly = await t.admin.ListKeyDetail({ Limit: 200 })
    expect(symmetricOnly.KeyMetadatas!.every((m) => m.KeyUsage === 'ENCRYPT_DECRYPT')).toBe(true)
    const everything = await t.admin.ListKeyDetail({ KeyUsage: 'ALL', Limit: 200 })
    expect(everything.TotalCount).toBeGreaterThan(symmetricOnly.TotalCount!)
    const sm2 = await t.admin.ListKeyDetail({ KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2', Limit: 200 })
    expect(sm2.KeyMetadatas!.every((m) => m.KeyUsage === 'ASYMMETRIC_SIGN_VERIFY_SM2')).toBe(true)
    expect(await codeOf(t.admin.ListKeys({ Limit: 201 }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.ListKeyDetail({ KeyState: 9 }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.DescribeKeys({ KeyIds: [] }))).toBe('InvalidParameterValue')
  })

  it('UpdateAlias and UpdateKeyDescription', async () => {
    const k = await t.admin.CreateKey({ Alias: 'rename-me' })
    await t.admin.UpdateAlias({ KeyId: k.KeyId!, Alias: 'renamed' })
    await t.admin.UpdateKeyDescription({ KeyId: k.KeyId!, Description: 'new words' })
    const d = await t.admin.DescribeKey({ KeyId: k.KeyId! })
    expect(d.KeyMetadata).toMatchObject({ Alias: 'renamed', Description: 'new words' })
    expect(await codeOf(t.admin.UpdateAlias({ KeyId: k.KeyId!, Alias: 'orders' }))).toBe(
      'InvalidParameterValue.AliasAlreadyExists',
    )
    expect(await codeOf(t.admin.UpdateKeyDescription({ KeyId: k.KeyId!, Description: 'x'.repeat(1025) }))).toBe(
      'InvalidParameterValue',
    )
    // The old alias is free again.
    await t.admin.CreateKey({ Alias: 'rename-me' })
  })

  it('EnableKey(s)/DisableKey(s): a disabled key refuses Encrypt', async () => {
    const a = await t.admin.CreateKey({ Alias: 'state-a' })
    const b = await t.admin.CreateKey({ Alias: 'state-b' })
    await t.admin.DisableKeys({ KeyIds: [a.KeyId!, b.KeyId!] })
    expect((await t.admin.DescribeKey({ KeyId: a.KeyId! })).KeyMetadata!.KeyState).toBe('Disabled')
    expect(await codeOf(t.admin.Encrypt({ KeyId: a.KeyId!, Plaintext: 'aGk=' }))).toBe(
      'ResourceUnavailable.CmkDisabled',
    )
    await t.admin.EnableKeys({ KeyIds: [a.KeyId!, b.KeyId!] })
    await t.admin.DisableKey({ KeyId: b.KeyId! })
    await t.admin.EnableKey({ KeyId: b.KeyId! })
    expect((await t.admin.DescribeKey({ KeyId: b.KeyId! })).KeyMetadata!.KeyState).toBe('Enabled')
    await t.admin.Encrypt({ KeyId: a.KeyId!, Plaintext: 'aGk=' })
  })

  it('ScheduleKeyDeletion / CancelKeyDeletion', async () => {
    const k = await t.admin.CreateKey({ Alias: 'doomed' })
    expect(await codeOf(t.admin.ScheduleKeyDeletion({ KeyId: k.KeyId!, PendingWindowInDays: 6 }))).toBe(
      'InvalidParameter.InvalidPendingWindowInDays',
    )
    await t.admin.DisableKey({ KeyId: k.KeyId! })
    const s = await t.admin.ScheduleKeyDeletion({ KeyId: k.KeyId!, PendingWindowInDays: 7 })
    expect(s.KeyId).toBe(k.KeyId)
    expect(s.DeletionDate! - Math.floor(Date.now() / 1000)).toBeGreaterThan(7 * 86400 - 60)
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata).toMatchObject({
      KeyState: 'PendingDelete',
      DeletionDate: s.DeletionDate,
    })
    const c = await t.admin.CancelKeyDeletion({ KeyId: k.KeyId! })
    expect(c.KeyId).toBe(k.KeyId)
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.KeyState).not.toBe('PendingDelete')
  })

  it('rotation: EnableKeyRotation, GetKeyRotationStatus, RotateKey keeps old ciphertexts, DisableKeyRotation', async () => {
    const k = await t.admin.CreateKey({ Alias: 'rotating' })
    const before = await t.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: 'b2xk' })
    expect((await t.admin.GetKeyRotationStatus({ KeyId: k.KeyId! })).KeyRotationEnabled).toBe(false)
    await t.admin.EnableKeyRotation({ KeyId: k.KeyId!, RotateDays: 30 })
    expect((await t.admin.GetKeyRotationStatus({ KeyId: k.KeyId! })).KeyRotationEnabled).toBe(true)
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.RotateDays).toBe(30)
    await t.admin.RotateKey({ KeyId: k.KeyId! })
    const after = await t.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: 'bmV3' })
    expect(
      Buffer.from((await t.admin.Decrypt({ CiphertextBlob: before.CiphertextBlob! })).Plaintext!, 'base64').toString(),
    ).toBe('old')
    expect(
      Buffer.from((await t.admin.Decrypt({ CiphertextBlob: after.CiphertextBlob! })).Plaintext!, 'base64').toString(),
    ).toBe('new')
    await t.admin.DisableKeyRotation({ KeyId: k.KeyId! })
    expect((await t.admin.GetKeyRotationStatus({ KeyId: k.KeyId! })).KeyRotationEnabled).toBe(false)
    expect(await codeOf(t.admin.EnableKeyRotation({ KeyId: k.KeyId!, RotateDays: 3 }))).toBe('InvalidParameterValue')
  })

  it('ArchiveKey / CancelKeyArchive', async () => {
    const k = await t.admin.CreateKey({ Alias: 'archived' })
    await t.admin.ArchiveKey({ KeyId: k.KeyId! })
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.KeyState).toBe('Archived')
    expect(await codeOf(t.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: 'aGk=' }))).toBe(
      'ResourceUnavailable.CmkArchived',
    )
    await t.admin.CancelKeyArchive({ KeyId: k.KeyId! })
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.KeyState).toBe('Enabled')
  })
})
