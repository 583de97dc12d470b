/**
 * Finding 2: a misspelled `EncryptionContxt` was ignored and the ciphertext bound to no context at all. Now every
 * parameter outside the Action's request model (the SDK's kms_models.d.ts plus Keyward's documented extensions)
 * is UnknownParameter naming the closest known name, over HTTP and in the embedded CLI path alike; parameters the
 * model has but Keyward does not implement, which would change the request's meaning, are UnsupportedOperation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLocalKms } from '@keyward/server'
import { tempDir } from '@keyward/test-support'
import { ADMIN, b64, startAttackServer, type AttackServer } from './attack-harness.js'

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p
  } catch (e) {
    const x = e as { code?: string; message?: string }
    return { code: String(x.code), message: String(x.message) }
  }
  throw new Error('expected the call to fail')
}

describe('attack 2: parameters the Action does not define', () => {
  let t: AttackServer
  let keyId: string
  beforeAll(async () => {
    t = await startAttackServer()
    keyId = (await t.admin.CreateKey({ Alias: 'ctx' })).KeyId!
  })
  afterAll(async () => {
    await t.close()
  })

  it('a misspelled EncryptionContext is refused, naming the right spelling, and nothing is encrypted (SDK)', async () => {
    const e = await errorOf(
      t.admin.request('Encrypt', { KeyId: keyId, Plaintext: b64('bound?'), EncryptionContxt: '{"tenant":"7"}' }),
    )
    expect(e.code).toBe('UnknownParameter')
    expect(e.message).toMatch(/EncryptionContxt is not recognized; did you mean EncryptionContext\?/)
    const nested = await errorOf(
      t.admin.request('CreateKey', { Alias: 'tagged', Tags: [{ TagKy: 'env', TagValue: 'prod' }] }),
    )
    expect(nested).toMatchObject({ code: 'UnknownParameter' })
    expect(nested.message).toMatch(/Tags\.0\.TagKy .*Tags\.0\.TagKey/)
    // Types stay InvalidParameter, as before.
    expect((await errorOf(t.admin.request('Encrypt', { KeyId: keyId, Plaintext: 42 }))).code).toBe('InvalidParameter')
  })

  it('raw HTTP: the same refusal, and the audit log records it', async () => {
    const r = await t.raw(ADMIN, 'Decrypt', { CiphertextBlob: 'x', encryptionContext: '{}' })
    expect(r.code).toBe('UnknownParameter')
    const [last] = (await t.server.store.audit.entries(0, 10_000)).slice(-1)
    expect(last).toMatchObject({ action: 'Decrypt', result: 'UnknownParameter' })
  })

  it('model parameters Keyward does not implement change the meaning: UnsupportedOperation naming them; empty ones are no-ops', async () => {
    const member = await errorOf(
      t.admin.request('DescribeKey', { KeyId: keyId, MemberAccount: { MemberUin: '100000000001' } }),
    )
    expect(member.code).toBe('UnsupportedOperation')
    expect(member.message).toMatch(/MemberAccount/)
    expect((await errorOf(t.admin.CreateKey({ Alias: 'in-cluster', HsmClusterId: 'hsm-1' }))).code).toBe(
      'UnsupportedOperation',
    )
    expect((await errorOf(t.admin.ListKeys({ HsmClusterId: 'cls-hsm-3dflmo9g' }))).message).toMatch(/HsmClusterId/)
    // Tags are implemented where keys are made and listed, not on hosted data keys.
    expect(
      (
        await errorOf(
          t.admin.GenerateDataKey({
            KeyId: keyId,
            KeySpec: 'AES_256',
            IsHostedByKms: 1,
            DataKeyName: 'dk-tags',
            Tags: [{ TagKey: 'env', TagValue: 'prod' }],
          }),
        )
      ).message,
    ).toMatch(/Tags/)
    expect(
      (await errorOf(t.admin.ListDataKeyDetail({ TagFilters: [{ TagKey: 'env', TagValue: ['prod'] }] }))).code,
    ).toBe('UnsupportedOperation')
    await t.admin.CreateKey({ Alias: 'no-tags', Tags: [] })
  })

  it('the embedded CLI path (openLocalKms) runs the same dispatcher: the same refusal', async () => {
    const home = tempDir('keyward-attack-local-')
    const kms = await openLocalKms({ home: home.dir })
    try {
      const key = (await kms.call('CreateKey', { Alias: 'local' })).Response['KeyId'] as string
      const r = await kms.call('Encrypt', { KeyId: key, Plaintext: b64('x'), EncryptionContxt: '{}' })
      expect(r.Response['Error']).toMatchObject({ Code: 'UnknownParameter' })
      expect((await kms.call('CreateKey', { Alias: 'x', HsmClusterId: 'h' })).Response['Error']).toMatchObject({
        Code: 'UnsupportedOperation',
      })
    } finally {
      await kms.close()
      home.remove()
    }
  })
})
