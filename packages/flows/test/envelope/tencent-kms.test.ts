import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnvelopeClient, Keyring, ProviderMasterKey, RawAesMasterKey, SUITE_NAMES } from '@keyward/flows/envelope'
import type { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { startServe, type ServeHarness } from '../../../../providers/tencent-kms/test/serve-harness.js'

// TencentKmsKeyProvider through the real tencentcloud SDK against `keyward serve` on loopback (the
// provider-tencent-kms harness): the envelope's data keys make real GenerateDataKey/Encrypt/Decrypt round trips.
let serve: ServeHarness
let kms: TencentKmsKeyProvider
let aesKey: string
let sm4Key: string

beforeAll(async () => {
  serve = await startServe()
  kms = serve.provider()
  aesKey = (await kms.createKey({ alias: 'envelope-aes' })).keyId
  sm4Key = (await kms.createKey({ alias: 'envelope-sm4', keySpec: 'SM4' })).keyId
})
afterAll(async () => {
  await kms?.close()
  await serve?.close()
})

describe('envelope over Tencent KMS (SDK → keyward serve)', () => {
  for (const suite of SUITE_NAMES) {
    it(`${suite}: round-trips with AES_256 and SM4 CMKs, context bound by the KMS too`, async () => {
      for (const keyId of [aesKey, sm4Key]) {
        const client = new EnvelopeClient({
          keyring: new ProviderMasterKey({ provider: kms, keyId }),
          suite,
          frameLength: 1000,
        })
        for (const size of [0, 1, 1000, 2501]) {
          const pt = randomBytes(size)
          const m = await client.encrypt(pt, { encryptionContext: { bank: 'x', size: String(size) } })
          expect(
            (await client.decrypt(m, { encryptionContext: { bank: 'x', size: String(size) } })).plaintext.equals(pt),
          ).toBe(true)
        }
      }
    })
  }

  it('multi-CMK with a local offline key: decrypts with either; when the cloud is closed, the offline copy still works', async () => {
    const offline = new RawAesMasterKey({ namespace: 'offline-dr', keyId: 'dr-1', key: randomBytes(32) })
    const cloud = new ProviderMasterKey({ provider: kms, keyId: aesKey })
    const m = await new EnvelopeClient({ keyring: new Keyring([cloud, offline]) }).encrypt(Buffer.from('both'))
    expect((await new EnvelopeClient({ keyring: cloud }).decrypt(m)).plaintext.toString()).toBe('both')
    const closed = serve.provider()
    await closed.close()
    const drClient = new EnvelopeClient({
      keyring: new Keyring([new ProviderMasterKey({ provider: closed, keyId: aesKey }), offline]),
    })
    expect((await drClient.decrypt(m)).plaintext.toString()).toBe('both')
    await expect(
      new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: closed, keyId: aesKey }) }).decrypt(m),
    ).rejects.toMatchObject({ code: 'FailedOperation.ProviderUnavailable' })
  })
})
