/**
 * Finding 1: a grant outlived its key and attached to the next key created under the same KeyId (CreateKey Type=2
 * with the migration extension's KeyId). Before: A2 decrypted V's data and V could not revoke A's grant. Now: the
 * KeyId is tombstoned (server and provider), grants and policy references die with the key, a grant authorises
 * only under the key's current owner, and a chosen KeyId must be UUID-shaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, startAttackServer, type AttackServer, type KmsClient } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

const DAY_MS = 86_400_000

describe('attack 1: grants and reused KeyIds', () => {
  let t: AttackServer
  let a: KmsClient
  let v: KmsClient
  let a2: Awaited<ReturnType<AttackServer['account']>>
  beforeAll(async () => {
    t = await startAttackServer()
    a = (await t.account('owner-a')).client
    v = (await t.account('victim-v')).client
    a2 = await t.account('grantee-a2')
  })
  afterAll(async () => {
    await t.close()
  })

  it('a purged key takes its grants and policy references with it, and its KeyId can never be created again (SDK + time travel)', async () => {
    const k = (await a.CreateKey({ Alias: 'orders' })).KeyId!
    const blob = (await a.Encrypt({ KeyId: k, Plaintext: b64('A data') })).CiphertextBlob!
    await a.request('CreateGrant', {
      KeyId: k,
      GranteeAccountName: 'grantee-a2',
      Operations: ['Decrypt', 'DescribeKey'],
    })
    await t.server.setPolicy('grantee-a2', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['*'] },
        { effect: 'Deny', actions: ['Encrypt'], resources: [`key/${k}`, 'key/never-*'] },
      ],
    })
    expect(Buffer.from((await a2.client.Decrypt({ CiphertextBlob: blob })).Plaintext!, 'base64').toString()).toBe(
      'A data',
    )

    await a.DisableKey({ KeyId: k })
    await a.ScheduleKeyDeletion({ KeyId: k, PendingWindowInDays: 7 })
    // Eight days later (server and provider clock): the grantee's next use meets the purged key.
    t.clock.advance(8 * DAY_MS)
    expect((await t.raw(a2.creds, 'DescribeKey', { KeyId: k })).code).toBe('ResourceUnavailable.CmkNotFound')
    t.clock.set(Date.now())

    const db = t.server.store.db
    expect(await db.all('SELECT grant_id FROM srv_grants WHERE key_id = ?', [k])).toEqual([])
    expect(await db.all('SELECT key_id FROM srv_key_tombstones WHERE key_id = ?', [k])).toEqual([{ key_id: k }])
    const policy = (await t.server.accounts()).find((x) => x.name === 'grantee-a2')!.policy
    expect(JSON.stringify(policy)).not.toContain(k)
    expect(JSON.stringify(policy)).toContain('key/never-*')

    // V tries to create a key under the old KeyId (migration extension): refused, by the server and by the provider.
    expect(await codeOf(v.request('CreateKey', { Alias: 'mine', Type: 2, KeyId: k }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.provider.createKey({ alias: 'direct', type: 2, keyId: k }))).toBe('InvalidParameterValue')
    expect(await codeOf(a.request('ListGrants', { KeyId: k }))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(a2.client.Decrypt({ CiphertextBlob: blob }))).toBe('ResourceUnavailable.CmkNotFound')
  })

  it('grants die when the key is purged even if nobody names it again: the deletion sweep retires it', async () => {
    const k = (await a.CreateKey({ Alias: 'swept' })).KeyId!
    await a.request('CreateGrant', { KeyId: k, GranteeAccountName: 'grantee-a2', Operations: ['DescribeKey'] })
    await a.DisableKey({ KeyId: k })
    await a.ScheduleKeyDeletion({ KeyId: k, PendingWindowInDays: 7 })
    const db = t.server.store.db
    const sweepAfterDays = async (days: number): Promise<string[]> => {
      // Time travel for the sweep only: SDK calls sign with the real clock.
      t.clock.advance(days * DAY_MS)
      try {
        return await t.server.sweepDeletedKeys()
      } finally {
        t.clock.set(Date.now())
      }
    }
    // Inside the window nothing happens; a cancelled deletion is no longer watched.
    expect(await sweepAfterDays(6)).toEqual([])
    await a.CancelKeyDeletion({ KeyId: k })
    expect(await db.all('SELECT key_id FROM srv_pending_deletions WHERE key_id = ?', [k])).toEqual([])
    expect(await sweepAfterDays(8)).toEqual([])
    expect(await db.all('SELECT grant_id FROM srv_grants WHERE key_id = ?', [k])).toHaveLength(1)
    // Scheduled again: once the window is over, the sweep purges and retires it without any request naming it.
    await a.ScheduleKeyDeletion({ KeyId: k, PendingWindowInDays: 7 })
    expect(await sweepAfterDays(8)).toEqual([k])
    expect(await db.all('SELECT grant_id FROM srv_grants WHERE key_id = ?', [k])).toEqual([])
    expect(await db.all('SELECT key_id FROM srv_key_tombstones WHERE key_id = ?', [k])).toEqual([{ key_id: k }])
    expect(await db.all('SELECT key_id FROM srv_pending_deletions WHERE key_id = ?', [k])).toEqual([])
    expect(await codeOf(t.provider.describeKey(k))).toBe('ResourceUnavailable.CmkNotFound')
  })

  it('a grant authorises only while the account that made it owns the key (ownership moved in the database)', async () => {
    const k = (await a.CreateKey({ Alias: 'moved' })).KeyId!
    const { GrantId } = (await a.request('CreateGrant', {
      KeyId: k,
      GranteeAccountName: 'grantee-a2',
      Operations: ['DescribeKey'],
    })) as { GrantId: string }
    await a2.client.DescribeKey({ KeyId: k })
    // What the old bug amounted to: the KeyId now names a key of V.
    const vId = (await t.server.accounts()).find((x) => x.name === 'victim-v')!.accountId
    await t.server.store.db.run('UPDATE srv_key_owners SET account_id = ? WHERE key_id = ?', [vId, k])
    t.server.store.owners.forget(k)
    expect(await codeOf(a2.client.DescribeKey({ KeyId: k }))).toBe('ResourceUnavailable.CmkNotFound')
    expect((await v.request('ListGrants', { KeyId: k })) as { Grants: unknown[] }).toMatchObject({ Grants: [] })
    expect(await codeOf(v.request('RevokeGrant', { GrantId }))).toBe('InvalidParameterValue')
  })

  it('a chosen KeyId must look like a generated one: readable names cannot be squatted for a later migration', async () => {
    for (const squat of ['orders', 'payments-key', '6F1D3C2A-8B4E-4F5A-9C7D-0E1F2A3B4C5D']) {
      expect(
        await codeOf(v.request('CreateKey', { Alias: `squat-${squat.length}`, Type: 2, KeyId: squat })),
        squat,
      ).toBe('InvalidParameterValue.InvalidKeyId')
    }
    const made = (await v.request('CreateKey', {
      Alias: 'migrated',
      Type: 2,
      KeyId: '6f1d3c2a-8b4e-4f5a-9c7d-0e1f2a3b4c5d',
    })) as { KeyId: string }
    expect(made.KeyId).toBe('6f1d3c2a-8b4e-4f5a-9c7d-0e1f2a3b4c5d')
  })
})
