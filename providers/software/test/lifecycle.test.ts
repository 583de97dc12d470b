import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeCiphertextBlob } from '@keyward/core'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { DAY_MS, makeProvider } from './helpers.js'
import { codeOf } from '@keyward/test-support'

describe.each(['memory', 'sqlite'] as const)('key lifecycle (%s store)', (kind) => {
  let env: ReturnType<typeof makeProvider>
  let p: SoftwareKeyProvider
  beforeEach(() => {
    env = makeProvider(kind)
    p = env.provider
  })
  afterEach(() => env.dispose())

  it('CreateKey fills KeyMetadata as Tencent does; aliases are unique and checked', async () => {
    const k = await p.createKey({ alias: 'billing', description: 'card numbers' })
    expect(k).toMatchObject({
      alias: 'billing',
      description: 'card numbers',
      keyState: 'Enabled',
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec: 'AES_256',
      origin: 'TENCENT_KMS',
      type: 1,
      deletionDate: 0,
      validTo: 0,
      keyRotationEnabled: false,
      keyVersionCount: 1,
      owner: 'user',
      createTime: Math.floor(env.clock.now() / 1000),
    })
    expect(await p.describeKey(k.keyId)).toEqual(k)
    expect(await codeOf(() => p.createKey({ alias: 'billing' }))).toBe('InvalidParameterValue.AliasAlreadyExists')
    expect(await codeOf(() => p.createKey({ alias: 'KMS-reserved' }))).toBe('InvalidParameterValue.InvalidAlias')
    expect(
      await codeOf(() => p.createKey({ alias: 'x', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048', keySpec: 'SM4' })),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.describeKey('no-such-key'))).toBe('ResourceUnavailable.CmkNotFound')
    const other = await p.createKey({ alias: 'other' })
    expect(await codeOf(() => p.updateAlias(other.keyId, 'billing'))).toBe('InvalidParameterValue.AliasAlreadyExists')
    await p.updateAlias(other.keyId, 'renamed')
    await p.updateKeyDescription(other.keyId, 'new text')
    expect(await p.describeKey(other.keyId)).toMatchObject({ alias: 'renamed', description: 'new text' })
  })

  it('ListKeys filters and pages newest first', async () => {
    const made = []
    for (let i = 0; i < 5; i++) {
      made.push(
        await p.createKey({
          alias: `list-${i}`,
          ...(i % 2 ? { keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' as const } : {}),
        }),
      )
      env.clock.advance(1000)
    }
    await p.disableKey(made[0]!.keyId)
    const all = await p.listKeys()
    expect(all.totalCount).toBe(5)
    expect(all.keys.map((k) => k.alias)).toEqual(['list-4', 'list-3', 'list-2', 'list-1', 'list-0'])
    expect((await p.listKeys({ offset: 1, limit: 2 })).keys.map((k) => k.alias)).toEqual(['list-3', 'list-2'])
    expect((await p.listKeys({ keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })).totalCount).toBe(2)
    expect((await p.listKeys({ keyState: 'Disabled' })).keys.map((k) => k.alias)).toEqual(['list-0'])
    expect((await p.listKeys({ searchKeyAlias: 'LIST-3' })).keys.map((k) => k.alias)).toEqual(['list-3'])
    expect(await codeOf(() => p.listKeys({ limit: 0 }))).toBe('InvalidParameterValue')
  })

  it('state rules: disable/enable, archive, deletion window with a purge after it', async () => {
    const k = await p.createKey({ alias: 'doomed' })
    const { ciphertextBlob } = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('x') })
    expect(await codeOf(() => p.scheduleKeyDeletion(k.keyId, 7))).toBe('ResourceUnavailable.CmkShouldBeDisabled')
    await p.disableKey(k.keyId)
    expect(await codeOf(() => p.scheduleKeyDeletion(k.keyId, 6))).toBe('InvalidParameter.InvalidPendingWindowInDays')
    expect(await codeOf(() => p.scheduleKeyDeletion(k.keyId, 31))).toBe('InvalidParameter.InvalidPendingWindowInDays')
    const { deletionDate } = await p.scheduleKeyDeletion(k.keyId, 7)
    expect(deletionDate).toBe(Math.floor(env.clock.now() / 1000) + 7 * 86400)
    expect(await p.describeKey(k.keyId)).toMatchObject({ keyState: 'PendingDelete', deletionDate })
    expect(await codeOf(() => p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('x') }))).toBe(
      'ResourceUnavailable.CmkStateNotSupport',
    )
    expect(await codeOf(() => p.decrypt({ ciphertextBlob }))).toBe('ResourceUnavailable.CmkStateNotSupport')
    expect(await codeOf(() => p.enableKey(k.keyId))).toBe('ResourceUnavailable.CmkStateNotSupport')
    await p.cancelKeyDeletion(k.keyId)
    expect(await p.describeKey(k.keyId)).toMatchObject({ keyState: 'Disabled', deletionDate: 0 })
    expect(await codeOf(() => p.cancelKeyDeletion(k.keyId))).toBe('ResourceUnavailable.CmkStateNotSupport')
    await p.scheduleKeyDeletion(k.keyId, 7)
    env.clock.advance(7 * DAY_MS - 1000)
    expect((await p.describeKey(k.keyId)).keyState).toBe('PendingDelete')
    env.clock.advance(1000)
    expect(await codeOf(() => p.describeKey(k.keyId))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(() => p.decrypt({ ciphertextBlob }))).toBe('InvalidParameterValue.InvalidCiphertext')
    // The alias is free again once the key is gone.
    await p.createKey({ alias: 'doomed' })
  })

  it('ListKeys does not show keys whose deletion window has passed', async () => {
    const k = await p.createKey({ alias: 'gone-from-list' })
    await p.disableKey(k.keyId)
    await p.scheduleKeyDeletion(k.keyId, 30)
    env.clock.advance(30 * DAY_MS)
    expect((await p.listKeys()).totalCount).toBe(0)
  })

  it('archived keys refuse encryption with CmkArchived and come back with CancelKeyArchive', async () => {
    const k = await p.createKey({ alias: 'arch' })
    await p.archiveKey(k.keyId)
    expect(await codeOf(() => p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('x') }))).toBe(
      'ResourceUnavailable.CmkArchived',
    )
    expect(await codeOf(() => p.disableKey(k.keyId))).toBe('ResourceUnavailable.CmkArchived')
    await p.cancelKeyArchive(k.keyId)
    expect((await p.describeKey(k.keyId)).keyState).toBe('Enabled')
    expect(await codeOf(() => p.cancelKeyArchive(k.keyId))).toBe('ResourceUnavailable.CmkStateNotSupport')
  })

  it('RotateKey adds a version: new blobs use it, old ones still decrypt', async () => {
    const k = await p.createKey({ alias: 'rot' })
    const old = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('v1') })
    await p.rotateKey(k.keyId)
    const fresh = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('v2') })
    expect(decodeCiphertextBlob(old.ciphertextBlob).keyVersion).toBe(1)
    expect(decodeCiphertextBlob(fresh.ciphertextBlob).keyVersion).toBe(2)
    expect(Buffer.from((await p.decrypt(old)).plaintext).toString()).toBe('v1')
    expect(Buffer.from((await p.decrypt(fresh)).plaintext).toString()).toBe('v2')
    const status = await p.getKeyRotationStatus(k.keyId)
    expect(status).toMatchObject({
      keyRotationEnabled: false,
      keyVersionCount: 2,
      lastRotateTime: Math.floor(env.clock.now() / 1000),
    })
  })

  it('automatic rotation happens lazily when due (RotateDays 7-365)', async () => {
    const k = await p.createKey({ alias: 'auto' })
    expect(await codeOf(() => p.enableKeyRotation(k.keyId, 6))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.enableKeyRotation(k.keyId, 366))).toBe('InvalidParameterValue')
    await p.enableKeyRotation(k.keyId, 30)
    const start = Math.floor(env.clock.now() / 1000)
    expect(await p.getKeyRotationStatus(k.keyId)).toMatchObject({
      keyRotationEnabled: true,
      rotateDays: 30,
      nextRotateTime: start + 30 * 86400,
      keyVersionCount: 1,
    })
    env.clock.advance(30 * DAY_MS)
    const blob = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('after') })
    expect(decodeCiphertextBlob(blob.ciphertextBlob).keyVersion).toBe(2)
    expect(await p.getKeyRotationStatus(k.keyId)).toMatchObject({
      keyVersionCount: 2,
      lastRotateTime: start + 30 * 86400,
      nextRotateTime: start + 60 * 86400,
    })
    await p.disableKeyRotation(k.keyId)
    env.clock.advance(60 * DAY_MS)
    expect((await p.getKeyRotationStatus(k.keyId)).keyVersionCount).toBe(2)
  })

  it('rejects bad KeyIds, and an aborted signal', async () => {
    expect(await codeOf(() => p.describeKey('bad id'))).toBe('InvalidParameterValue.InvalidKeyId')
    expect(await codeOf(() => p.enableKey(''))).toBe('MissingParameter')
    const ac = new AbortController()
    ac.abort()
    expect(await codeOf(() => p.createKey({ alias: 'aborted' }, { signal: ac.signal }))).toBe('FailedOperation.Aborted')
  })
})
