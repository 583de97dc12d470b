import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DECRYPTION_FAILED_MESSAGE, decodeCiphertextBlob, KeywardError } from '@keyward/core'
import { makeProvider } from './helpers.js'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

describe.each(['memory', 'sqlite'] as const)('symmetric operations (%s store)', (kind) => {
  let env: ReturnType<typeof makeProvider>
  let p: SoftwareKeyProvider
  beforeEach(() => {
    env = makeProvider(kind)
    p = env.provider
  })
  afterEach(() => env.dispose())

  it('encrypts and decrypts with the EncryptionContext bound as AAD', async () => {
    const { keyId } = await p.createKey({ alias: 'orders' })
    const ctx = { tenant: 't1', purpose: 'card' }
    const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: Buffer.from('4111 1111'), encryptionContext: ctx })
    const parts = decodeCiphertextBlob(ciphertextBlob)
    expect(parts).toMatchObject({ cipher: 'AES-256-GCM', keyId, keyVersion: 1 })
    const out = await p.decrypt({ ciphertextBlob, encryptionContext: { purpose: 'card', tenant: 't1' } })
    expect(out.keyId).toBe(keyId)
    expect(Buffer.from(out.plaintext).toString()).toBe('4111 1111')
    expect(await codeOf(() => p.decrypt({ ciphertextBlob }))).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(
      await codeOf(() => p.decrypt({ ciphertextBlob, encryptionContext: { tenant: 't2', purpose: 'card' } })),
    ).toBe('InvalidParameterValue.InvalidCiphertext')
  })

  it('rejects every altered byte of a blob with the one fixed message', async () => {
    const { keyId } = await p.createKey({ alias: 'tamper' })
    const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: Buffer.from('secret') })
    const raw = Buffer.from(ciphertextBlob, 'base64')
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw)
      bad[i] = (bad[i] as number) ^ 0x01
      const err = await p.decrypt({ ciphertextBlob: bad.toString('base64') }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, `byte ${i}`).toBeInstanceOf(KeywardError)
      expect((err as KeywardError).message).toBe(DECRYPTION_FAILED_MESSAGE)
    }
    expect(await codeOf(() => p.decrypt({ ciphertextBlob: raw.subarray(0, raw.length - 1).toString('base64') }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(() => p.decrypt({ ciphertextBlob: 'not base64!' }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('checks plaintext size 1-4096 and the key usage', async () => {
    const { keyId } = await p.createKey({ alias: 'sizes' })
    expect(await codeOf(() => p.encrypt({ keyId, plaintext: Buffer.alloc(4096, 1) }))).toBe('no error')
    expect(await codeOf(() => p.encrypt({ keyId, plaintext: Buffer.alloc(4097) }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.encrypt({ keyId, plaintext: Buffer.alloc(0) }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.encrypt({ keyId: 'no-such-key', plaintext: Buffer.alloc(1) }))).toBe(
      'ResourceUnavailable.CmkNotFound',
    )
    const rsa = await p.createKey({ alias: 'rsa', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    expect(await codeOf(() => p.encrypt({ keyId: rsa.keyId, plaintext: Buffer.alloc(1) }))).toBe(
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
  })

  it('a blob naming a non-symmetric key, or a key this provider does not have, is a decryption failure', async () => {
    const { keyId } = await p.createKey({ alias: 'a' })
    const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: Buffer.from('x') })
    const rsa = await p.createKey({ alias: 'rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const forged = Buffer.from(ciphertextBlob, 'base64')
      .toString('latin1')
      .replace(keyId, rsa.keyId.slice(0, keyId.length))
    expect(await codeOf(() => p.decrypt({ ciphertextBlob: Buffer.from(forged, 'latin1').toString('base64') }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    const other = makeProvider()
    try {
      const k2 = await other.provider.createKey({ alias: 'a' })
      const blob2 = (await other.provider.encrypt({ keyId: k2.keyId, plaintext: Buffer.from('x') })).ciphertextBlob
      expect(await codeOf(() => p.decrypt({ ciphertextBlob: blob2 }))).toBe('InvalidParameterValue.InvalidCiphertext')
    } finally {
      await other.dispose()
    }
  })

  it('a disabled key refuses encrypt and decrypt', async () => {
    const { keyId } = await p.createKey({ alias: 'd' })
    const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: Buffer.from('x') })
    await p.disableKey(keyId)
    expect(await codeOf(() => p.encrypt({ keyId, plaintext: Buffer.from('x') }))).toBe(
      'ResourceUnavailable.CmkDisabled',
    )
    expect(await codeOf(() => p.decrypt({ ciphertextBlob }))).toBe('ResourceUnavailable.CmkDisabled')
    await p.enableKey(keyId)
    expect(Buffer.from((await p.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('x')
  })

  it('reEncrypts to another key and context', async () => {
    const a = await p.createKey({ alias: 'a' })
    const b = await p.createKey({ alias: 'b' })
    const { ciphertextBlob } = await p.encrypt({
      keyId: a.keyId,
      plaintext: Buffer.from('move me'),
      encryptionContext: { k: '1' },
    })
    const r = await p.reEncrypt({
      ciphertextBlob,
      destinationKeyId: b.keyId,
      sourceEncryptionContext: { k: '1' },
      destinationEncryptionContext: { k: '2' },
    })
    expect(r).toMatchObject({ keyId: b.keyId, sourceKeyId: a.keyId, reEncrypted: true })
    expect(
      Buffer.from(
        (await p.decrypt({ ciphertextBlob: r.ciphertextBlob, encryptionContext: { k: '2' } })).plaintext,
      ).toString(),
    ).toBe('move me')
    expect(await codeOf(() => p.reEncrypt({ ciphertextBlob, destinationKeyId: b.keyId }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('generates data keys (AES_128, AES_256, NumberOfBytes) whose blob decrypts to the plaintext', async () => {
    const { keyId } = await p.createKey({ alias: 'dk' })
    for (const [req, len] of [
      [{ keySpec: 'AES_128' as const }, 16],
      [{ keySpec: 'AES_256' as const }, 32],
      [{ numberOfBytes: 1024 }, 1024],
      [{}, 32],
    ] as const) {
      const dk = await p.generateDataKey({ keyId, ...req, encryptionContext: { f: 'x' } })
      expect(dk.plaintext.length).toBe(len)
      const back = await p.decrypt({ ciphertextBlob: dk.ciphertextBlob, encryptionContext: { f: 'x' } })
      expect(Buffer.from(back.plaintext).equals(Buffer.from(dk.plaintext))).toBe(true)
      expect(JSON.stringify(dk)).not.toContain(Buffer.from(dk.plaintext).toString('base64'))
      dk.dispose()
      expect(dk.plaintext.every((b) => b === 0)).toBe(true)
    }
    expect(await codeOf(() => p.generateDataKey({ keyId, numberOfBytes: 1025 }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.generateDataKey({ keyId, keySpec: 'AES_512' as never }))).toBe('InvalidParameterValue')
  })

  it('generates random bytes (1-1024)', async () => {
    const r = await p.generateRandom(64)
    expect(r.length).toBe(64)
    expect(Buffer.from(r).equals(Buffer.from(await p.generateRandom(64)))).toBe(false)
    expect(await codeOf(() => p.generateRandom(0))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.generateRandom(1025))).toBe('InvalidParameterValue')
  })

  it('SM4 keys encrypt with SM4-GCM in the same blob format', async () => {
    const { keyId, keySpec } = await p.createKey({ alias: 'gm', keySpec: 'SM4' })
    expect(keySpec).toBe('SM4')
    const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: Buffer.from('国密'), encryptionContext: { a: 'b' } })
    expect(decodeCiphertextBlob(ciphertextBlob).cipher).toBe('SM4-GCM')
    expect(Buffer.from((await p.decrypt({ ciphertextBlob, encryptionContext: { a: 'b' } })).plaintext).toString()).toBe(
      '国密',
    )
    expect(await codeOf(() => p.decrypt({ ciphertextBlob, encryptionContext: { a: 'c' } }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    const dk = await p.generateDataKey({ keyId })
    expect(
      Buffer.from((await p.decrypt({ ciphertextBlob: dk.ciphertextBlob })).plaintext).equals(Buffer.from(dk.plaintext)),
    ).toBe(true)
  })

  it('after close every call fails with ProviderUnavailable', async () => {
    const { keyId } = await p.createKey({ alias: 'c' })
    await p.close()
    expect(await codeOf(() => p.describeKey(keyId))).toBe('FailedOperation.ProviderUnavailable')
    expect(await codeOf(() => p.generateRandom(4))).toBe('FailedOperation.ProviderUnavailable')
  })
})
