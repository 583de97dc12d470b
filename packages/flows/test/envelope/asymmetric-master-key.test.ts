import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, isKeywardError } from '@keyward/core'
import { AsymmetricMasterKey, EnvelopeClient, Keyring } from '@keyward/flows/envelope'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'

// The software provider holds the private keys; the master key encrypts data keys with their public keys.
let software: SoftwareKeyProvider
const keys: Record<string, string> = {}
beforeAll(async () => {
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  keys.rsa = (await software.createKey({ alias: 'amk-rsa', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })).keyId
  keys.sm2 = (await software.createKey({ alias: 'amk-sm2', keyUsage: 'ASYMMETRIC_DECRYPT_SM2' })).keyId
  keys.other = (await software.createKey({ alias: 'amk-rsa-2', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })).keyId
})
afterAll(() => software?.close())

describe('AsymmetricMasterKey', () => {
  for (const [name, algorithm, key] of [
    ['RSA-OAEP-SHA-256', 'RSAES_OAEP_SHA_256', 'rsa'],
    ['RSA-OAEP-SHA-1', 'RSAES_OAEP_SHA_1', 'rsa'],
    ['SM2', 'SM2', 'sm2'],
  ] as const) {
    it(`${name}: a message round-trips; the data key is sealed to the public key and opened by the provider`, async () => {
      const mk = new AsymmetricMasterKey({ provider: software, keyId: keys[key]!, algorithm })
      const client = new EnvelopeClient({ keyring: new Keyring([mk]) })
      const message = await client.encrypt(Buffer.from('over an asymmetric CMK'), {
        encryptionContext: { tenant: 't1' },
      })
      expect(
        Buffer.from((await client.decrypt(message, { encryptionContext: { tenant: 't1' } })).plaintext).toString(),
      ).toBe('over an asymmetric CMK')
      await expect(client.decrypt(message, { encryptionContext: { tenant: 't2' } })).rejects.toSatisfy((e) =>
        isKeywardError(e, 'InvalidParameterValue.InvalidCiphertext'),
      )
    })
  }

  it('another key of the same provider cannot open the message: decryption failed, nothing else', async () => {
    const message = await new EnvelopeClient({
      keyring: new Keyring([new AsymmetricMasterKey({ provider: software, keyId: keys.rsa! })]),
    }).encrypt(Buffer.from('x'))
    const wrong = new EnvelopeClient({
      keyring: new Keyring([new AsymmetricMasterKey({ provider: software, keyId: keys.other! })]),
    })
    await expect(wrong.decrypt(message)).rejects.toSatisfy((e) =>
      isKeywardError(e, 'InvalidParameterValue.InvalidCiphertext'),
    )
  })

  it('refuses a symmetric algorithm, a bad KeyId and a missing provider', () => {
    expect(
      () => new AsymmetricMasterKey({ provider: software, keyId: keys.rsa!, algorithm: 'AES_256' as never }),
    ).toThrow(/Algorithm/)
    expect(() => new AsymmetricMasterKey({ provider: software, keyId: 'bad key' })).toThrow()
    expect(() => new AsymmetricMasterKey({ provider: undefined as never, keyId: keys.rsa! })).toThrow(/provider/)
  })
})
