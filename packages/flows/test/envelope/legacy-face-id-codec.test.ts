import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore } from '@keyward/core'
import { EnvelopeClient, legacyEcbDecrypt, legacyEcbEncrypt, legacyFaceIdCodec } from '@keyward/flows/envelope'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { requireBinary, run } from '@keyward/test-support'
import { rawKey } from './helpers.js'

let provider: SoftwareKeyProvider
let keyId: string
beforeAll(async () => {
  provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  keyId = (await provider.createKey({ alias: 'faceid' })).keyId
})
afterAll(() => provider.close())

describe('legacyFaceIdCodec (AES-256-ECB + PKCS#7, never a default)', () => {
  it('round-trips FaceID fields through a GenerateDataKey DEK and the provider', async () => {
    const legacy = legacyFaceIdCodec({ provider, keyId })
    const fields = { IdCard: '11010119900307001X', Name: '张三', Empty: '' }
    const payload = await legacy.encrypt(fields)
    expect(payload.fields.Empty).toHaveLength(24) // one block of padding, base64
    expect(await legacy.decrypt(payload)).toEqual(fields)
    expect(await legacyFaceIdCodec({ provider, discovery: true }).decrypt(payload)).toEqual(fields)
  })

  it('honours its KeyId: a payload whose data key another CMK made is refused; without keyId, decrypt needs discovery', async () => {
    const other = (await provider.createKey({ alias: 'faceid-other' })).keyId
    const swapped = await legacyFaceIdCodec({ provider, keyId: other }).encrypt({ IdCard: 'attacker-chosen' })
    await expect(legacyFaceIdCodec({ provider, keyId }).decrypt(swapped)).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
    await expect(legacyFaceIdCodec({ provider }).decrypt(swapped)).rejects.toMatchObject({ code: 'MissingParameter' })
    expect(await legacyFaceIdCodec({ provider, keyId, discovery: true }).decrypt(swapped)).toEqual({
      IdCard: 'attacker-chosen',
    })
    expect(() => legacyFaceIdCodec({ provider, discovery: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    )
  })

  it('interoperates with openssl enc -aes-256-ecb both ways', async () => {
    const openssl = requireBinary('openssl')
    const dek = randomBytes(32)
    const value = Buffer.from('110101199003070000')
    const ours = legacyEcbEncrypt(dek, value)
    const theirs = run(openssl, ['enc', '-d', '-aes-256-ecb', '-K', dek.toString('hex'), '-base64', '-A'], ours)
    expect(theirs.equals(value)).toBe(true)
    const fromOpenssl = run(openssl, ['enc', '-aes-256-ecb', '-K', dek.toString('hex'), '-base64', '-A'], value)
      .toString()
      .trim()
    expect(legacyEcbDecrypt(dek, fromOpenssl).equals(value)).toBe(true)
    expect(fromOpenssl).toBe(ours) // ECB is deterministic: the very weakness that makes it legacy
  })

  it('rejects bad base64, partial blocks and bad padding with the fixed decryption error', () => {
    const dek = randomBytes(32)
    for (const bad of ['not base64!', 'AAAA', Buffer.alloc(16, 1).toString('base64'), '']) {
      expect(() => legacyEcbDecrypt(dek, bad)).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue.InvalidCiphertext' }),
      )
    }
  })

  it('is a separate format: EnvelopeClient refuses legacy ciphertext as not a Keyward message', async () => {
    const legacy = await legacyFaceIdCodec({ provider, keyId }).encrypt({ a: 'x'.repeat(64) })
    const client = new EnvelopeClient({ keyring: rawKey() })
    await expect(client.decrypt(Buffer.from(legacy.fields.a!, 'base64'))).rejects.toMatchObject({
      code: 'FailedOperation.InvalidMessage',
    })
  })
})
