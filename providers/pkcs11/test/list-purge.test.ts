import * as graphene from 'graphene-pk11'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock, MemoryKeyStore } from '@keyward/core'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'
import { expectCode } from '@keyward/test-support'

const DAY_MS = 86_400_000
const token = createSoftHsmToken()
const clock = new ManualClock(Date.UTC(2026, 0, 1))
const store = new MemoryKeyStore()
const provider = providerOn(token, { clock, store })
afterAll(async () => {
  await provider.close()
  token.remove()
})

/** How many token objects carry CKA_ID `id`, seen through a second handle on the same module. */
function objectCount(id: string): number {
  const module = graphene.Module.load(token.modulePath)
  module.initialize()
  const session = module.getSlots(0).open(graphene.SessionFlag.SERIAL_SESSION)
  try {
    return session.find({ id: Buffer.from(id) }).length
  } finally {
    session.close()
  }
}

describe('ListKeys purges keys whose deletion date has passed', () => {
  it('drops the metadata and the token objects of every version; keys still in their window stay listed', async () => {
    const aes = await provider.createKey({ alias: 'purge-aes' })
    await provider.rotateKey(aes.keyId)
    const rsa = await provider.createKey({ alias: 'purge-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    const kept = await provider.createKey({ alias: 'purge-kept' })
    const { ciphertextBlob } = await provider.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('gone soon') })
    for (const k of [aes, rsa, kept]) await provider.disableKey(k.keyId)
    await provider.scheduleKeyDeletion(aes.keyId, 7)
    await provider.scheduleKeyDeletion(rsa.keyId, 7)
    await provider.scheduleKeyDeletion(kept.keyId, 30)
    expect(objectCount(`${aes.keyId}/v1`)).toBe(1)
    expect(objectCount(`${aes.keyId}/v2`)).toBe(1)
    expect(objectCount(`${rsa.keyId}/v1`)).toBe(2)

    clock.advance(7 * DAY_MS - 1000)
    expect((await provider.listKeys()).keys.map((k) => k.keyId).sort()).toEqual(
      [aes.keyId, rsa.keyId, kept.keyId].sort(),
    )

    clock.advance(1000)
    const listed = await provider.listKeys()
    expect(listed.keys.map((k) => k.keyId)).toEqual([kept.keyId])
    expect(listed.totalCount).toBe(1)
    expect(await store.getKey(aes.keyId)).toBeUndefined()
    expect(await store.getKey(rsa.keyId)).toBeUndefined()
    expect(await store.latestVersion(aes.keyId)).toBe(0)
    expect(objectCount(`${aes.keyId}/v1`)).toBe(0)
    expect(objectCount(`${aes.keyId}/v2`)).toBe(0)
    expect(objectCount(`${rsa.keyId}/v1`)).toBe(0)
    expect(objectCount(`${kept.keyId}/v1`)).toBe(1)
    await expectCode(() => provider.describeKey(aes.keyId), 'ResourceUnavailable.CmkNotFound')
    await expectCode(() => provider.decrypt({ ciphertextBlob }), 'InvalidParameterValue.InvalidCiphertext')
    // The alias is free again once the key is gone.
    await provider.createKey({ alias: 'purge-aes' })
  })

  it('a filtered listing purges too (the sweep runs before the filter)', async () => {
    const k = await provider.createKey({ alias: 'purge-filtered' })
    await provider.disableKey(k.keyId)
    await provider.scheduleKeyDeletion(k.keyId, 7)
    clock.advance(8 * DAY_MS)
    const listed = await provider.listKeys({ keyState: 'PendingDelete' })
    expect(listed.keys.map((x) => x.keyId)).not.toContain(k.keyId)
    expect(objectCount(`${k.keyId}/v1`)).toBe(0)
  })
})
