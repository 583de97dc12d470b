import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, sdkClient, startTestServer, type KmsClient, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('accounts: isolation, policies, grants', () => {
  let t: TestServer
  let alice: KmsClient
  let bob: KmsClient
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    alice = await t.account('alice')
    bob = await t.account('bob')
  })
  afterAll(async () => {
    await t.close()
  })

  it('a key of account A is invisible to account B: CmkNotFound for every key Action, absent from lists', async () => {
    const k = await alice.CreateKey({ Alias: 'alice-key' })
    const e = await alice.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('alice only') })
    expect(await codeOf(bob.DescribeKey({ KeyId: k.KeyId! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(bob.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('x') }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(bob.Decrypt({ CiphertextBlob: e.CiphertextBlob! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(bob.DisableKey({ KeyId: k.KeyId! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(bob.ScheduleKeyDeletion({ KeyId: k.KeyId!, PendingWindowInDays: 7 }))).toBe(
      'ResourceUnavailable.CmkNotFound',
    )
    expect(await codeOf(bob.ReEncrypt({ CiphertextBlob: e.CiphertextBlob! }))).toBe('ResourceUnavailable.CmkNotFound')
    expect((await bob.ListKeys({})).Keys!.map((x) => x.KeyId)).not.toContain(k.KeyId)
    expect((await bob.DescribeKeys({ KeyIds: [k.KeyId!] })).KeyMetadatas).toEqual([])
  })

  it('aliases are per account: the same alias in two accounts names two keys', async () => {
    const a = await alice.CreateKey({ Alias: 'shared-name' })
    const b = await bob.CreateKey({ Alias: 'shared-name' })
    expect(a.KeyId).not.toBe(b.KeyId)
    expect((await bob.DescribeKey({ KeyId: b.KeyId! })).KeyMetadata!.Alias).toBe('shared-name')
  })

  it('a policy denies actions (UnauthorizedOperation) and restricts keys by alias pattern', async () => {
    const carol = await t.account('carol', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['alias/app-*'] },
        { effect: 'Allow', actions: ['List*', 'GetServiceStatus'], resources: ['*'] },
        { effect: 'Deny', actions: ['ScheduleKeyDeletion'], resources: ['*'] },
      ],
    })
    const k = await carol.CreateKey({ Alias: 'app-orders' })
    await carol.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('ok') })
    expect(await codeOf(carol.ScheduleKeyDeletion({ KeyId: k.KeyId!, PendingWindowInDays: 7 }))).toBe(
      'UnauthorizedOperation',
    )
    expect(await codeOf(carol.CreateKey({ Alias: 'other-thing' }))).toBe('UnauthorizedOperation')
    expect(await codeOf(carol.GenerateRandom({ NumberOfBytes: 8 }))).toBe('UnauthorizedOperation')
    await carol.ListKeys({})
    // Policies change at run time (within the 2 s account cache).
    await t.server.setPolicy('carol', { statements: [{ effect: 'Allow', actions: ['DescribeKey'], resources: ['*'] }] })
    await new Promise((r) => setTimeout(r, 2100))
    expect(await codeOf(carol.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('no') }))).toBe('UnauthorizedOperation')
    await carol.DescribeKey({ KeyId: k.KeyId! })
  })

  it('grants: the owner grants named actions, the grantee uses only those, revocation ends it (all audited)', async () => {
    const k = await alice.CreateKey({ Alias: 'granted' })
    const e = await alice.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('for bob') })
    expect(
      await codeOf(bob.request('CreateGrant', { KeyId: k.KeyId!, GranteeAccountName: 'bob', Operations: ['Decrypt'] })),
    ).toBe('ResourceUnavailable.CmkNotFound')
    expect(
      await codeOf(
        alice.request('CreateGrant', {
          KeyId: k.KeyId!,
          GranteeAccountName: 'bob',
          Operations: ['ScheduleKeyDeletion'],
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        alice.request('CreateGrant', { KeyId: k.KeyId!, GranteeAccountName: 'nobody', Operations: ['Decrypt'] }),
      ),
    ).toBe('InvalidParameterValue')
    const g = (await alice.request('CreateGrant', {
      KeyId: k.KeyId!,
      GranteeAccountName: 'bob',
      Operations: ['Decrypt', 'DescribeKey'],
    })) as { GrantId: string }
    const d = await bob.Decrypt({ CiphertextBlob: e.CiphertextBlob! })
    expect(Buffer.from(d.Plaintext!, 'base64').toString()).toBe('for bob')
    expect((await bob.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata).toMatchObject({
      Alias: 'granted',
      AccountName: 'alice',
    })
    expect(await codeOf(bob.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('x') }))).toBe('UnauthorizedOperation')
    expect(await codeOf(bob.DisableKey({ KeyId: k.KeyId! }))).toBe('UnauthorizedOperation')
    const grants = (await alice.request('ListGrants', { KeyId: k.KeyId! })) as {
      Grants: Array<{ GrantId: string; GranteeAccountName: string; Operations: string[] }>
    }
    expect(grants.Grants).toEqual([
      expect.objectContaining({
        GrantId: g.GrantId,
        GranteeAccountName: 'bob',
        Operations: ['Decrypt', 'DescribeKey'],
      }),
    ])
    expect(await codeOf(bob.request('RevokeGrant', { GrantId: g.GrantId }))).toBe('InvalidParameterValue')
    await alice.request('RevokeGrant', { GrantId: g.GrantId })
    expect(await codeOf(bob.Decrypt({ CiphertextBlob: e.CiphertextBlob! }))).toBe('ResourceUnavailable.CmkNotFound')
    const audit = await t.server.store.audit.entries(0, 100_000)
    const grantEvents = audit
      .filter((a) => a.action === 'CreateGrant' || a.action === 'RevokeGrant')
      .filter((a) => a.result === 'Success')
    expect(grantEvents.map((a) => [a.action, a.keyId])).toEqual([
      ['CreateGrant', k.KeyId],
      ['RevokeGrant', k.KeyId],
    ])
  })

  it('admins create accounts and set policies through extension Actions; others may not', async () => {
    const created = (await t.admin.request('CreateAccount', { AccountName: 'dave' })) as {
      SecretId: string
      SecretKey: string
    }
    const dave = sdkClient(t.server.url, created.SecretId, created.SecretKey)
    await dave.CreateKey({ Alias: 'dave-key' })
    await t.admin.request('PutAccountPolicy', {
      AccountName: 'dave',
      Policy: JSON.stringify({ statements: [{ effect: 'Allow', actions: ['List*'], resources: ['*'] }] }),
    })
    expect(await codeOf(alice.request('CreateAccount', { AccountName: 'mallory' }))).toBe('UnauthorizedOperation')
    expect(
      await codeOf(
        t.admin.request('PutAccountPolicy', { AccountName: 'dave', Policy: '{"statements":[{"effect":"Maybe"}]}' }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.request('CreateAccount', { AccountName: 'dave' }))).toBe('InvalidParameterValue')
  })
})
