/**
 * Finding 7: a Deny on `alias/x` was bypassed by renaming the alias, and with Decrypt denied ReEncrypt and
 * GetDataKeyPlaintext still revealed or moved the plaintext. Now a Deny keeps matching every alias a key has had,
 * a Deny on Decrypt covers every Action that recovers plaintext under the key (a Deny on Encrypt covers
 * ReEncrypt into it), and a policy with an unknown field or resource form is refused instead of never matching.
 */
import { constants, createPublicKey, publicEncrypt } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, startAttackServer, type AttackServer } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

describe('attack 7: policies', () => {
  let t: AttackServer
  beforeAll(async () => {
    t = await startAttackServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('renaming a key does not escape a Deny on its alias, whether the Deny came before or after the rename', async () => {
    const p = (
      await t.account('renamer', {
        statements: [
          { effect: 'Allow', actions: ['*'], resources: ['*'] },
          { effect: 'Deny', actions: ['Encrypt'], resources: ['alias/restricted'] },
        ],
      })
    ).client
    const k = (await p.CreateKey({ Alias: 'restricted' })).KeyId!
    expect(await codeOf(p.Encrypt({ KeyId: k, Plaintext: b64('x') }))).toBe('UnauthorizedOperation')
    await p.UpdateAlias({ KeyId: k, Alias: 'free' })
    expect(await codeOf(p.Encrypt({ KeyId: k, Plaintext: b64('x') }))).toBe('UnauthorizedOperation')
    // A Deny written after a rename still finds the key by its old name.
    const k2 = (await p.CreateKey({ Alias: 'legacy-name' })).KeyId!
    await p.UpdateAlias({ KeyId: k2, Alias: 'new-name' })
    await t.server.setPolicy('renamer', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['*'] },
        { effect: 'Deny', actions: ['Encrypt'], resources: ['alias/legacy-*'] },
      ],
    })
    expect(await codeOf(p.Encrypt({ KeyId: k2, Plaintext: b64('x') }))).toBe('UnauthorizedOperation')
    // Allows follow the current name only: a key renamed into a denied name is denied, out of it stays denied.
    await t.server.setPolicy('renamer', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['*'] },
        { effect: 'Deny', actions: ['*'], resources: ['alias/locked-*'] },
      ],
    })
    expect(await codeOf(p.UpdateAlias({ KeyId: k2, Alias: 'locked-now' }))).toBe('UnauthorizedOperation')
  })

  it('with Decrypt denied, no Action gives the plaintext back: ReEncrypt, GetDataKeyPlaintext, AsymmetricRsaDecrypt', async () => {
    const admin = t.admin
    const k = (await admin.CreateKey({ Alias: 'no-decrypt' })).KeyId!
    const other = (await admin.CreateKey({ Alias: 'elsewhere' })).KeyId!
    const rsa = (await admin.CreateKey({ Alias: 'rsa-no-decrypt', KeyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })).KeyId!
    const blob = (await admin.Encrypt({ KeyId: k, Plaintext: b64('secret') })).CiphertextBlob!
    const hosted = await admin.GenerateDataKey({
      KeyId: k,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'under-denied',
    })
    const pub = createPublicKey((await admin.GetPublicKey({ KeyId: rsa })).PublicKeyPem!)
    const rsaCt = publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('rsa secret'),
    ).toString('base64')
    await t.server.setPolicy('admin', {
      statements: [
        { effect: 'Allow', actions: ['*'], resources: ['*'] },
        { effect: 'Deny', actions: ['Decrypt'], resources: [`key/${k}`, 'alias/rsa-no-*'] },
        { effect: 'Deny', actions: ['Encrypt'], resources: ['alias/sealed'] },
      ],
    })
    expect(await codeOf(admin.Decrypt({ CiphertextBlob: blob }))).toBe('UnauthorizedOperation')
    expect(await codeOf(admin.ReEncrypt({ CiphertextBlob: blob, DestinationKeyId: other }))).toBe(
      'UnauthorizedOperation',
    )
    expect(await codeOf(admin.ReEncrypt({ CiphertextBlob: blob }))).toBe('UnauthorizedOperation')
    expect(await codeOf(admin.GetDataKeyPlaintext({ DataKeyId: hosted.DataKeyId! }))).toBe('UnauthorizedOperation')
    expect(
      await codeOf(admin.AsymmetricRsaDecrypt({ KeyId: rsa, Ciphertext: rsaCt, Algorithm: 'RSAES_OAEP_SHA_256' })),
    ).toBe('UnauthorizedOperation')
    // A Deny on Encrypt covers re-encrypting into the key.
    const sealed = (await admin.CreateKey({ Alias: 'sealed' })).KeyId!
    const fromOther = (await admin.Encrypt({ KeyId: other, Plaintext: b64('movable') })).CiphertextBlob!
    expect(await codeOf(admin.ReEncrypt({ CiphertextBlob: fromOther, DestinationKeyId: sealed }))).toBe(
      'UnauthorizedOperation',
    )
    expect((await admin.ReEncrypt({ CiphertextBlob: fromOther, DestinationKeyId: other })).KeyId).toBe(other)
    await t.server.setPolicy('admin', { statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }] })
  })

  it('a policy that would silently never match is refused: unknown fields, resource forms, non-objects', async () => {
    const bad = [
      { statements: [{ effect: 'Deny', actions: ['Decrypt'], resources: ['keys/abc'] }] },
      { statements: [{ effect: 'Deny', actions: ['Decrypt'], resources: ['*'], condition: { ip: '10.0.0.0/8' } }] },
      { statements: [], version: '2' },
      [],
    ]
    for (const policy of bad) {
      expect(
        await codeOf(t.admin.request('PutAccountPolicy', { AccountName: 'admin', Policy: JSON.stringify(policy) })),
        JSON.stringify(policy),
      ).toBe('InvalidParameterValue')
    }
    // The old admin policy is intact.
    await t.admin.GetRegions()
  })
})
