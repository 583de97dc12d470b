/**
 * Finding 6: a GenerateDataKey with IsHostedByKms=1 that failed (a bad EncryptionPublicKey) stored the data key
 * anyway, so the name was taken and a retry failed; GetDataKeyPlaintext could not be granted, so a grantee's
 * hosted data keys under the owner's CMK were unrecoverable. Now a failure stores nothing, and it is grantable.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, startAttackServer, type AttackServer, type KmsClient } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

describe('attack 6: hosted data keys', () => {
  let t: AttackServer
  let owner: KmsClient
  let keyId: string
  beforeAll(async () => {
    t = await startAttackServer()
    owner = (await t.account('dk-owner')).client
    keyId = (await owner.CreateKey({ Alias: 'dk-cmk' })).KeyId!
  })
  afterAll(async () => {
    await t.close()
  })

  it('a hosted GenerateDataKey that fails stores nothing: the name stays free and a retry succeeds (SDK and raw HTTP)', async () => {
    expect(
      await codeOf(
        owner.GenerateDataKey({
          KeyId: keyId,
          KeySpec: 'AES_256',
          IsHostedByKms: 1,
          DataKeyName: 'payroll',
          EncryptionPublicKey: 'not a key',
        }),
      ),
    ).toBe('InvalidParameterValue')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString()
    expect(
      await codeOf(
        owner.GenerateDataKey({
          KeyId: keyId,
          KeySpec: 'AES_256',
          IsHostedByKms: 1,
          DataKeyName: 'payroll',
          EncryptionPublicKey: rsa,
          EncryptionAlgorithm: 'SM2',
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect((await owner.ListDataKeys({})).TotalCount).toBe(0)
    const made = await owner.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'payroll',
      EncryptionPublicKey: rsa,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    })
    expect(made.DataKeyId).toMatch(/^[0-9a-f-]{36}$/)
    expect((await owner.ListDataKeys({})).TotalCount).toBe(1)
    // The name is now taken, and saying so costs no data key.
    expect(
      await codeOf(
        owner.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_256', IsHostedByKms: 1, DataKeyName: 'payroll' }),
      ),
    ).toBe('InvalidParameterValue')
    const admin = await t.raw(ADMIN, 'GenerateDataKey', {
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'other',
    })
    expect(admin.code).toBe('ResourceUnavailable.CmkNotFound')
  })

  it("GetDataKeyPlaintext is grantable: a grantee recovers the data keys it hosted under the owner's CMK, only with that grant", async () => {
    const full = await t.account('dk-grantee')
    const partial = await t.account('dk-partial')
    await owner.request('CreateGrant', {
      KeyId: keyId,
      GranteeAccountName: 'dk-grantee',
      Operations: ['GenerateDataKey', 'GetDataKeyPlaintext'],
    })
    await owner.request('CreateGrant', {
      KeyId: keyId,
      GranteeAccountName: 'dk-partial',
      Operations: ['GenerateDataKey'],
    })
    const hosted = await full.client.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'granted',
    })
    const back = await full.client.GetDataKeyPlaintext({ DataKeyId: hosted.DataKeyId! })
    expect(back.Plaintext).toBe(hosted.Plaintext)
    const other = await partial.client.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'granted',
    })
    expect(await codeOf(partial.client.GetDataKeyPlaintext({ DataKeyId: other.DataKeyId! }))).toBe(
      'UnauthorizedOperation',
    )
  })
})
