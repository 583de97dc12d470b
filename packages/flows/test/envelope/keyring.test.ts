import { describe, expect, it } from 'vitest'
import { KeywardError } from '@keyward/core'
import { EnvelopeClient, Keyring, RawAesMasterKey } from '@keyward/flows/envelope'
import { CountingMasterKey, rawKey } from './helpers.js'
import { codeOf } from '@keyward/test-support'

const pt = Buffer.from('account 6222 0200 0000 0000')

describe('keyring (multi-CMK)', () => {
  it('generates with the first master key and encrypts a copy with each other one', async () => {
    const cloud = new CountingMasterKey('cloud', 'tencent-kms')
    const hsm = new CountingMasterKey('hsm', 'pkcs11')
    const c = new EnvelopeClient({ keyring: new Keyring([cloud, hsm]) })
    const m = await c.encrypt(pt)
    expect([cloud.generated, cloud.encrypted, hsm.generated, hsm.encrypted]).toEqual([1, 0, 0, 1])
    expect((await c.decrypt(m)).info.encryptedDataKeys.map((e) => `${e.providerName}/${e.keyId}`)).toEqual([
      'tencent-kms/cloud',
      'pkcs11/hsm',
    ])
  })

  it('decrypts with whichever master key is reachable', async () => {
    const cloud = new CountingMasterKey('cloud', 'tencent-kms')
    const hsm = new CountingMasterKey('hsm', 'pkcs11')
    const c = new EnvelopeClient({ keyring: new Keyring([cloud, hsm]) })
    const m = await c.encrypt(pt)
    cloud.failWith = new KeywardError('FailedOperation.NetworkError', 'cloud down')
    expect((await c.decrypt(m)).plaintext.equals(pt)).toBe(true)
    expect(cloud.decrypted).toBe(1)
    expect(hsm.decrypted).toBe(1)
  })

  it('surfaces an unreachable backend (retryable) rather than a decryption failure when nothing else could try', async () => {
    const cloud = new CountingMasterKey('cloud', 'tencent-kms')
    const c = new EnvelopeClient({ keyring: cloud })
    const m = await c.encrypt(pt)
    cloud.failWith = new KeywardError('FailedOperation.NetworkError', 'cloud down')
    expect(await codeOf(c.decrypt(m))).toBe('FailedOperation.NetworkError')
  })

  it('calls only master keys the decrypt filter allows', async () => {
    const cloud = new CountingMasterKey('cloud', 'tencent-kms')
    const hsm = new CountingMasterKey('hsm', 'pkcs11')
    const m = await new EnvelopeClient({ keyring: new Keyring([cloud, hsm]) }).encrypt(pt)
    const drSite = new EnvelopeClient({
      keyring: new Keyring([cloud, hsm], { decryptFilter: (edk) => edk.providerName === 'pkcs11' }),
    })
    expect((await drSite.decrypt(m)).plaintext.equals(pt)).toBe(true)
    expect(cloud.decrypted).toBe(0)
    const none = new EnvelopeClient({ keyring: new Keyring([cloud, hsm], { decryptFilter: () => false }) })
    expect(await codeOf(none.decrypt(m))).toBe('InvalidParameterValue.InvalidCiphertext')
  })

  it('refuses messages with more encrypted data keys than maxEncryptedDataKeys', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => rawKey(`k${i}`))
    const m = await new EnvelopeClient({ keyring: new Keyring(keys) }).encrypt(pt)
    const strict = new EnvelopeClient({ keyring: new Keyring([keys[0]!], { maxEncryptedDataKeys: 3 }) })
    expect(await codeOf(strict.decrypt(m))).toBe('FailedOperation.InvalidMessage')
    expect(() => new Keyring(keys, { maxEncryptedDataKeys: 3 })).toThrow(/maxEncryptedDataKeys/)
  })

  it('fails with the decryption error when no master key matches the message', async () => {
    const m = await new EnvelopeClient({ keyring: rawKey('a') }).encrypt(pt)
    expect(await codeOf(new EnvelopeClient({ keyring: rawKey('b') }).decrypt(m))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    // Same names, different key material: the raw AES unwrap fails.
    expect(await codeOf(new EnvelopeClient({ keyring: rawKey('a') }).decrypt(m))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('raw AES master key: checks its inputs, redacts its key, refuses use after dispose', async () => {
    expect(() => new RawAesMasterKey({ namespace: 'n', keyId: 'k', key: Buffer.alloc(16) })).toThrow(/32 bytes/)
    expect(() => new RawAesMasterKey({ namespace: '', keyId: 'k', key: Buffer.alloc(32) })).toThrow(/namespace/)
    const k = new RawAesMasterKey({ namespace: 'n', keyId: 'k', key: Buffer.alloc(32, 7) })
    expect(JSON.stringify(k)).not.toContain('BwcH')
    expect(JSON.stringify(k)).toContain('[REDACTED]')
    k.dispose()
    expect(await codeOf(k.generateDataKey(32, {}))).toBe('FailedOperation.ProviderUnavailable')
  })
})
