import { afterAll, describe, expect, it, vi } from 'vitest'
import { ManualClock, MemoryKeyStore, decodeCiphertextBlob } from '@keyward/core'
import type { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'
import { expectCode } from '@keyward/test-support'

const token = createSoftHsmToken()
const opened: Pkcs11KeyProvider[] = []
afterAll(async () => {
  for (const p of opened) await p.close()
  token.remove()
})

/** Two providers over one store: `other` stands for another process sharing the key store. */
function pair(metadataCacheMs: number, clock?: ManualClock): { here: Pkcs11KeyProvider; other: Pkcs11KeyProvider } {
  const store = new MemoryKeyStore()
  // Only `here` owns the store's close(); MemoryKeyStore.close() is idempotent anyway.
  const here = providerOn(token, { store, metadataCacheMs, ...(clock ? { clock } : {}) })
  const other = providerOn(token, { store, metadataCacheMs: 0, ...(clock ? { clock } : {}) })
  opened.push(here, other)
  return { here, other }
}

const plaintext = Buffer.from('cached?')

describe('metadata cache of cryptographic calls', () => {
  it('a change made through this provider applies at once, even with the longest TTL', async () => {
    const { here } = pair(60_000)
    const key = await here.createKey({ alias: 'cache-self' })
    const sign = await here.createKey({ alias: 'cache-self-ec', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    await here.encrypt({ keyId: key.keyId, plaintext })
    await here.signByAsymmetricKey({ keyId: sign.keyId, algorithm: 'ECC_P256_R1', message: plaintext })
    await here.disableKey(key.keyId)
    await here.disableKey(sign.keyId)
    await expectCode(() => here.encrypt({ keyId: key.keyId, plaintext }), 'ResourceUnavailable.CmkDisabled')
    await expectCode(
      () => here.signByAsymmetricKey({ keyId: sign.keyId, algorithm: 'ECC_P256_R1', message: plaintext }),
      'ResourceUnavailable.CmkDisabled',
    )
    await here.enableKey(key.keyId)
    await here.rotateKey(key.keyId)
    const { ciphertextBlob } = await here.encrypt({ keyId: key.keyId, plaintext })
    expect(decodeCiphertextBlob(ciphertextBlob).keyVersion).toBe(2)
    await here.archiveKey(key.keyId)
    await expectCode(() => here.encrypt({ keyId: key.keyId, plaintext }), 'ResourceUnavailable.CmkArchived')
    expect(Buffer.from((await here.decrypt({ ciphertextBlob })).plaintext)).toEqual(plaintext)
  })

  it('a DisableKey by another process over the same store is honoured once the TTL has passed', async () => {
    const { here, other } = pair(1000)
    const key = await here.createKey({ alias: 'cache-other' })
    // The TTL runs on monotonic time (performance.now), not the provider's clock: fake that alone, no sleeping.
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      await here.encrypt({ keyId: key.keyId, plaintext })
      await other.disableKey(key.keyId)
      await expectCode(() => other.encrypt({ keyId: key.keyId, plaintext }), 'ResourceUnavailable.CmkDisabled')
      // Within the TTL `here` may still use its cached Enabled state: that is the documented window.
      vi.advanceTimersByTime(999)
      await here.encrypt({ keyId: key.keyId, plaintext })
      vi.advanceTimersByTime(2)
      await expectCode(() => here.encrypt({ keyId: key.keyId, plaintext }), 'ResourceUnavailable.CmkDisabled')
    } finally {
      vi.useRealTimers()
    }
  })

  it("metadataCacheMs 0 reads the store on every call: another process's DisableKey applies at once", async () => {
    const { here, other } = pair(0)
    const key = await here.createKey({ alias: 'cache-off' })
    await here.encrypt({ keyId: key.keyId, plaintext })
    await other.disableKey(key.keyId)
    await expectCode(() => here.encrypt({ keyId: key.keyId, plaintext }), 'ResourceUnavailable.CmkDisabled')
  })

  it('a cached key still rotates when its rotation falls due', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const { here } = pair(60_000, clock)
    const key = await here.createKey({ alias: 'cache-rotate' })
    await here.enableKeyRotation(key.keyId, 7)
    const first = await here.encrypt({ keyId: key.keyId, plaintext })
    expect(decodeCiphertextBlob(first.ciphertextBlob).keyVersion).toBe(1)
    clock.advance(8 * 86_400_000)
    const second = await here.encrypt({ keyId: key.keyId, plaintext })
    expect(decodeCiphertextBlob(second.ciphertextBlob).keyVersion).toBe(2)
  })

  it('metadataCacheMs outside 0..60000 is InvalidParameterValue', async () => {
    for (const metadataCacheMs of [-1, 60_001, 1.5, Number.NaN]) {
      await expectCode(() => providerOn(token, { metadataCacheMs }), 'InvalidParameterValue')
    }
  })
})
