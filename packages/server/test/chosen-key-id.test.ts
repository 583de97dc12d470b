/**
 * CreateKey's `KeyId` (Keyward extension, Type=2 only), the server side of BYOK migration into keyward serve:
 * through the real Tencent SDK, against a server over the real software provider.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { b64, startTestServer, type KmsClient, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

interface CreateKeyReply {
  KeyId: string
  KeyState: string
  Alias: string
}

/** Code and message of a failing SDK call: the "taken" answers must not differ by who holds the KeyId. */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), message: String((e as Error).message) }
  }
  throw new Error('expected the call to fail')
}

const create = (c: KmsClient, params: Record<string, unknown>) =>
  c.request('CreateKey', params) as Promise<CreateKeyReply>

describe('CreateKey with a chosen KeyId (Keyward extension)', () => {
  let t: TestServer
  let backend: SoftwareKeyProvider
  let bob: KmsClient
  beforeAll(async () => {
    backend = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    t = await startTestServer({ provider: backend, ownsProvider: true })
    bob = await t.account('bob')
  })
  afterAll(async () => {
    await t.close()
  })

  it('Type=2 with KeyId makes an EXTERNAL PendingImport key under exactly that KeyId, owned by the caller', async () => {
    const keyId = randomUUID()
    const k = await create(t.admin, { Alias: 'migrated', Type: 2, KeyId: keyId })
    expect(k).toMatchObject({ KeyId: keyId, KeyState: 'PendingImport', Alias: 'migrated' })
    expect((await t.admin.DescribeKey({ KeyId: keyId })).KeyMetadata).toMatchObject({
      KeyId: keyId,
      Origin: 'EXTERNAL',
      Type: 2,
      Alias: 'migrated',
    })
    expect(await codeOf(bob.DescribeKey({ KeyId: keyId }))).toBe('ResourceUnavailable.CmkNotFound')
  })

  it('KeyId without Type=2, or malformed, is refused and creates nothing', async () => {
    const keyId = randomUUID()
    expect(await codeOf(create(t.admin, { Alias: 'no-type', KeyId: keyId }))).toBe('InvalidParameterValue')
    expect(await codeOf(create(t.admin, { Alias: 'type-1', Type: 1, KeyId: keyId }))).toBe('InvalidParameterValue')
    expect(
      await codeOf(create(t.admin, { Alias: 'sign', Type: 2, KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC', KeyId: keyId })),
    ).toBe('UnsupportedOperation')
    expect(await codeOf(create(t.admin, { Alias: 'bad-id', Type: 2, KeyId: 'a/../b' }))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
    expect(await codeOf(create(t.admin, { Alias: 'num-id', Type: 2, KeyId: 42 }))).toBe('InvalidParameter')
    expect(await codeOf(t.admin.DescribeKey({ KeyId: keyId }))).toBe('ResourceUnavailable.CmkNotFound')
    expect((await t.admin.ListKeyDetail({ SearchKeyAlias: 'type-1', Limit: 10 })).KeyMetadatas ?? []).toHaveLength(0)
  })

  it('a KeyId in use — by the caller, by another account, or only in the provider — gets one and the same error', async () => {
    const mine = (await create(t.admin, { Alias: 'held-by-admin', Type: 2, KeyId: randomUUID() })).KeyId
    const ordinary = (await t.admin.CreateKey({ Alias: 'ordinary' })).KeyId!
    // A provider key no account owns (what a crash between the provider and the ownership insert leaves).
    const unowned = (await backend.createKey({ alias: `stray-${randomBytes(4).toString('hex')}` })).keyId
    const byOwner = await failure(create(t.admin, { Alias: 'again', Type: 2, KeyId: mine }))
    const byOther = await failure(create(bob, { Alias: 'again', Type: 2, KeyId: mine }))
    expect(byOwner.code).toBe('InvalidParameterValue')
    expect(byOther).toEqual(byOwner)
    expect(await failure(create(bob, { Alias: 'again', Type: 2, KeyId: ordinary }))).toEqual({
      code: 'InvalidParameterValue',
      message: byOwner.message.replace(mine, ordinary),
    })
    expect(await failure(create(bob, { Alias: 'again', Type: 2, KeyId: unowned }))).toEqual({
      code: 'InvalidParameterValue',
      message: byOwner.message.replace(mine, unowned),
    })
    // Nothing was taken over: the owner still has its key, bob got none.
    expect((await t.admin.DescribeKey({ KeyId: mine })).KeyMetadata!.Alias).toBe('held-by-admin')
    expect(await codeOf(bob.DescribeKey({ KeyId: mine }))).toBe('ResourceUnavailable.CmkNotFound')
    expect((await bob.ListKeys({ Limit: 200 })).Keys ?? []).toHaveLength(0)
  })

  it('policy is checked as for any CreateKey, before the KeyId is looked up (no probing)', async () => {
    const carol = await t.account('carol', {
      statements: [{ effect: 'Allow', actions: ['CreateKey'], resources: ['alias/mig-*'] }],
    })
    const taken = (await create(t.admin, { Alias: 'probe-target', Type: 2, KeyId: randomUUID() })).KeyId
    expect(await codeOf(create(carol, { Alias: 'other', Type: 2, KeyId: taken }))).toBe('UnauthorizedOperation')
    expect(await codeOf(create(carol, { Alias: 'other', Type: 2, KeyId: randomUUID() }))).toBe('UnauthorizedOperation')
    const keyId = randomUUID()
    expect((await create(carol, { Alias: 'mig-ok', Type: 2, KeyId: keyId })).KeyId).toBe(keyId)
  })

  it('a blob made elsewhere under that KeyId decrypts through the server once the same material is imported', async () => {
    const source = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    try {
      const key = await source.createKey({ alias: 'src', exportable: true } as Parameters<
        SoftwareKeyProvider['createKey']
      >[0])
      const old = await source.encrypt({
        keyId: key.keyId,
        plaintext: Buffer.from('made before the move'),
        encryptionContext: { app: 'orders' },
      })
      await create(t.admin, { Alias: 'moved-in', Type: 2, KeyId: key.keyId })
      const p = await t.admin.GetParametersForImport({
        KeyId: key.keyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      })
      const wrapped = await source.exportWrappedKeyMaterial(
        key.keyId,
        Buffer.from(p.PublicKey!, 'base64'),
        'RSAES_OAEP_SHA_256',
      )
      await t.admin.ImportKeyMaterial({
        KeyId: key.keyId,
        ImportToken: p.ImportToken!,
        EncryptedKeyMaterial: b64(wrapped),
      })
      const out = await t.admin.Decrypt({
        CiphertextBlob: old.ciphertextBlob,
        EncryptionContext: JSON.stringify({ app: 'orders' }),
      })
      expect(out.KeyId).toBe(key.keyId)
      expect(Buffer.from(out.Plaintext!, 'base64').toString()).toBe('made before the move')
      // Still the caller's key only.
      expect(
        await codeOf(
          bob.Decrypt({ CiphertextBlob: old.ciphertextBlob, EncryptionContext: JSON.stringify({ app: 'orders' }) }),
        ),
      ).toMatch(/^(ResourceUnavailable.CmkNotFound|InvalidParameterValue.InvalidCiphertext)$/)
    } finally {
      await source.close()
    }
  })
})
