import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, MemoryKeyStore, decodeCiphertextBlob } from '@keyward/core'
import { SensitiveData } from '@keyward/flows/sensitive'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

describe('sensitive data straight with the CMK (software provider)', () => {
  let provider: SoftwareKeyProvider
  let secrets: SensitiveData
  let keyId = ''
  beforeAll(async () => {
    provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    secrets = new SensitiveData(provider)
    keyId = (await provider.createKey({ alias: 'sensitive' })).keyId
  })
  afterAll(() => provider.close())

  it('round-trips bytes from 1 to 4096 and names the key in the blob', async () => {
    for (const n of [1, 100, 4096]) {
      const plaintext = randomBytes(n)
      const blob = await secrets.encrypt(keyId, plaintext)
      expect(decodeCiphertextBlob(blob).keyId).toBe(keyId)
      const out = await secrets.decrypt(blob)
      expect(out.keyId).toBe(keyId)
      expect(Buffer.from(out.plaintext)).toEqual(plaintext)
    }
  })

  it('string helpers keep UTF-8 (中文, emoji) intact', async () => {
    const text = '数据库密码: p@ss 🔑'
    const blob = await secrets.encryptString(keyId, text, { encryptionContext: { app: 'orders' } })
    expect(await secrets.decryptString(blob, { encryptionContext: { app: 'orders' } })).toBe(text)
  })

  it('a different or missing EncryptionContext fails with the one decryption message', async () => {
    const blob = await secrets.encryptString(keyId, 'card 4111', { encryptionContext: { app: 'orders' } })
    for (const encryptionContext of [{ app: 'billing' }, undefined]) {
      const err = await secrets.decrypt(blob, encryptionContext ? { encryptionContext } : {}).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KeywardError)
      expect((err as KeywardError).code).toBe('InvalidParameterValue.InvalidCiphertext')
    }
  })

  it('an SM4 (国密) key works the same way', async () => {
    const sm4 = (await provider.createKey({ alias: 'sensitive-sm4', keySpec: 'SM4' })).keyId
    const blob = await secrets.encryptString(sm4, 'sm4 secret')
    expect(await secrets.decryptString(blob)).toBe('sm4 secret')
  })

  it('bad input: over 4096 bytes, empty, bad KeyId, bad context, non-UTF-8 text, tampered blob', async () => {
    expect(await codeOf(() => secrets.encrypt(keyId, Buffer.alloc(4097)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => secrets.encryptString(keyId, 'é'.repeat(2049)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => secrets.encrypt(keyId, Buffer.alloc(0)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => secrets.encrypt('not a key id!', Buffer.from('x')))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
    expect(await codeOf(() => secrets.encrypt(keyId, Buffer.from('x'), { encryptionContext: { n: 1 } as never }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => secrets.decrypt(''))).toBe('InvalidParameterValue')
    const binary = await secrets.encrypt(keyId, Buffer.from([0xff, 0xfe, 0xfd]))
    expect(await codeOf(() => secrets.decryptString(binary))).toBe('InvalidParameterValue')
    const blob = Buffer.from(await secrets.encryptString(keyId, 'x'), 'base64')
    blob[blob.length - 1]! ^= 1
    expect(await codeOf(() => secrets.decrypt(blob.toString('base64')))).toBe('InvalidParameterValue.InvalidCiphertext')
  })

  it('confused deputy: with expectedKeyId a blob made under another CMK the app may use is refused, its plaintext never returned', async () => {
    // The attacker swaps in a blob of theirs (or of another table's key) for the one the app stored.
    const orders = (await provider.createKey({ alias: 'orders-secrets' })).keyId
    const other = (await provider.createKey({ alias: 'other-secrets' })).keyId
    const mine = await secrets.encryptString(orders, 'orders db password')
    const swapped = await secrets.encryptString(other, 'attacker-chosen value')
    expect(await secrets.decryptString(mine, { expectedKeyId: orders })).toBe('orders db password')
    expect(await codeOf(() => secrets.decryptString(swapped, { expectedKeyId: orders }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(() => secrets.decrypt(swapped, { expectedKeyId: orders }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    // Without it, the blob names its key and any usable CMK decrypts (Tencent's Decrypt takes no KeyId).
    expect(await secrets.decryptString(swapped)).toBe('attacker-chosen value')
    expect(await codeOf(() => secrets.decrypt(mine, { expectedKeyId: 'not a key id!' }))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
  })

  it('a disabled key refuses to encrypt', async () => {
    const k = (await provider.createKey({ alias: 'sensitive-off' })).keyId
    await provider.disableKey(k)
    expect(await codeOf(() => secrets.encryptString(k, 'x'))).toBe('ResourceUnavailable.CmkDisabled')
  })
})
