import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  convertSm2Ciphertext,
  derToPem,
  sm2GenerateKeyPair,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyToSpki,
} from '@keyward/gm'
import { codeOf, requireBinary, run } from '@keyward/test-support'
import { b64, startTestServer, type TestServer } from './server-harness.js'

const text = (b: string | undefined): string => Buffer.from(b ?? '', 'base64').toString()

describe('Encrypt / Decrypt / ReEncrypt / GenerateDataKey / GenerateRandom through the SDK', () => {
  let t: TestServer
  let keyId: string
  let sm4KeyId: string
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    keyId = (await t.admin.CreateKey({ Alias: 'c-aes' })).KeyId!
    sm4KeyId = ((await t.admin.request('CreateKey', { Alias: 'c-sm4', KeySpec: 'SM4' })) as { KeyId: string }).KeyId
  })
  afterAll(async () => {
    await t.close()
  })

  it('round-trips with and without an EncryptionContext (JSON string), AES and SM4 keys', async () => {
    for (const id of [keyId, sm4KeyId]) {
      const ctx = JSON.stringify({ tenant: 't1', purpose: 'card' })
      const e = await t.admin.Encrypt({ KeyId: id, Plaintext: b64('4111 1111'), EncryptionContext: ctx })
      expect(e.KeyId).toBe(id)
      const d = await t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob!, EncryptionContext: ctx })
      expect(text(d.Plaintext)).toBe('4111 1111')
      expect(d.KeyId).toBe(id)
      expect(await codeOf(t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! }))).toBe(
        'InvalidParameterValue.InvalidCiphertext',
      )
      expect(
        await codeOf(
          t.admin.Decrypt({
            CiphertextBlob: e.CiphertextBlob!,
            EncryptionContext: JSON.stringify({ tenant: 't2', purpose: 'card' }),
          }),
        ),
      ).toBe('InvalidParameterValue.InvalidCiphertext')
    }
  })

  it('rejects bad input with Tencent codes', async () => {
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: b64(Buffer.alloc(4097)) }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: '' }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: 'not base64!' }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: 'aGk=', EncryptionContext: '{bad json' }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: 'aGk=', EncryptionContext: '{"a":1}' }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(t.admin.Decrypt({ CiphertextBlob: 'garbage' }))).toBe('InvalidParameterValue.InvalidCiphertext')
    const e = await t.admin.Encrypt({ KeyId: keyId, Plaintext: 'aGk=' })
    const raw = Buffer.from(e.CiphertextBlob!, 'base64')
    raw[raw.length - 1]! ^= 1
    expect(await codeOf(t.admin.Decrypt({ CiphertextBlob: raw.toString('base64') }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it("takes base64 without its final padding, as Tencent does (tccli's doc example), but never an impossible length", async () => {
    const e = await t.admin.Encrypt({ KeyId: keyId, Plaintext: 'dGVzdCUyMHBsYWluJTIwdGV4dA' })
    expect(text((await t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! })).Plaintext)).toBe('test%20plain%20text')
    // A CiphertextBlob is an opaque token to hand back verbatim, not base64 input: it stays exact.
    expect(await codeOf(t.admin.Decrypt({ CiphertextBlob: `${e.CiphertextBlob!}=` }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: 'dGVzd' }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyId, Plaintext: 'dGVzdA===' }))).toBe('InvalidParameterValue')
  })

  it('ReEncrypt to another key and with a new context', async () => {
    const e = await t.admin.Encrypt({ KeyId: keyId, Plaintext: b64('move me'), EncryptionContext: '{"v":"1"}' })
    const r = await t.admin.ReEncrypt({
      CiphertextBlob: e.CiphertextBlob!,
      DestinationKeyId: sm4KeyId,
      SourceEncryptionContext: '{"v":"1"}',
      DestinationEncryptionContext: '{"v":"2"}',
    })
    expect(r).toMatchObject({ KeyId: sm4KeyId, SourceKeyId: keyId, ReEncrypted: true })
    expect(
      text((await t.admin.Decrypt({ CiphertextBlob: r.CiphertextBlob!, EncryptionContext: '{"v":"2"}' })).Plaintext),
    ).toBe('move me')
    expect(await codeOf(t.admin.ReEncrypt({ CiphertextBlob: e.CiphertextBlob! }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('GenerateDataKey by KeySpec and NumberOfBytes; the blob decrypts to the plaintext', async () => {
    const dk = await t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_128', EncryptionContext: '{"f":"x"}' })
    expect(Buffer.from(dk.Plaintext!, 'base64')).toHaveLength(16)
    const back = await t.admin.Decrypt({ CiphertextBlob: dk.CiphertextBlob!, EncryptionContext: '{"f":"x"}' })
    expect(back.Plaintext).toBe(dk.Plaintext)
    expect(
      Buffer.from((await t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_256' })).Plaintext!, 'base64'),
    ).toHaveLength(32)
    expect(await codeOf(t.admin.GenerateDataKey({ KeyId: keyId }))).toBe('MissingParameter')
    // As Tencent: NumberOfBytes wins when both are given.
    expect(
      Buffer.from(
        (await t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_128', NumberOfBytes: 20 })).Plaintext!,
        'base64',
      ),
    ).toHaveLength(20)
    expect(
      Buffer.from((await t.admin.GenerateDataKey({ KeyId: keyId, NumberOfBytes: 48 })).Plaintext!, 'base64'),
    ).toHaveLength(48)
    expect(await codeOf(t.admin.GenerateDataKey({ KeyId: keyId, NumberOfBytes: 1025 }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.GenerateDataKey({ KeyId: keyId, KeySpec: 'AES_512' }))).toBe('InvalidParameterValue')
  })

  it('GenerateDataKey seals the plaintext to an RSA EncryptionPublicKey (OAEP-SHA-256, PKCS#1 v1.5)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const dk = await t.admin.GenerateDataKey({
      KeyId: keyId,
      KeySpec: 'AES_256',
      EncryptionPublicKey: pem,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    })
    const plain = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(dk.Plaintext!, 'base64'),
    )
    expect(plain).toHaveLength(32)
    expect(
      Buffer.from((await t.admin.Decrypt({ CiphertextBlob: dk.CiphertextBlob! })).Plaintext!, 'base64').equals(plain),
    ).toBe(true)
    const sealed = await t.admin.Decrypt({
      CiphertextBlob: dk.CiphertextBlob!,
      EncryptionPublicKey: pem,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
    })
    expect(
      privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        Buffer.from(sealed.Plaintext!, 'base64'),
      ).equals(plain),
    ).toBe(true)
    expect(
      await codeOf(
        t.admin.GenerateDataKey({
          KeyId: keyId,
          KeySpec: 'AES_256',
          EncryptionPublicKey: 'not a key',
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.GenerateDataKey({
          KeyId: keyId,
          KeySpec: 'AES_256',
          EncryptionPublicKey: pem,
          EncryptionAlgorithm: 'SM2',
        }),
      ),
    ).toBe('InvalidParameterValue')
  })

  it('GenerateDataKey seals to an SM2 EncryptionPublicKey; openssl decrypts it', async () => {
    requireBinary('openssl')
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const pem = derToPem(sm2PublicKeyToSpki(publicKey), 'PUBLIC KEY')
    const keyFile = join(t.dir, 'sm2.pem')
    writeFileSync(keyFile, derToPem(sm2PrivateKeyToPkcs8(privateKey, publicKey), 'PRIVATE KEY'), { mode: 0o600 })
    for (const alg of ['SM2', 'SM2_C1C3C2_ASN1']) {
      const dk = await t.admin.GenerateDataKey({
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionPublicKey: pem,
        EncryptionAlgorithm: alg,
      })
      const sealed = Buffer.from(dk.Plaintext!, 'base64')
      const asn1 =
        alg === 'SM2'
          ? convertSm2Ciphertext(
              sealed,
              { order: 'C1C3C2', encoding: 'asn1' },
              { order: 'C1C3C2', encoding: 'raw', prefix: true },
            )
          : sealed
      const ctFile = join(t.dir, 'sealed.bin')
      writeFileSync(ctFile, asn1)
      const plain = run('openssl', ['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', ctFile])
      const expected = Buffer.from((await t.admin.Decrypt({ CiphertextBlob: dk.CiphertextBlob! })).Plaintext!, 'base64')
      expect(plain.equals(expected)).toBe(true)
    }
  })

  it('GenerateRandom returns the asked number of bytes', async () => {
    const r = await t.admin.GenerateRandom({ NumberOfBytes: 64 })
    expect(Buffer.from(r.Plaintext, 'base64')).toHaveLength(64)
    expect(await codeOf(t.admin.GenerateRandom({ NumberOfBytes: 0 }))).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.GenerateRandom({ NumberOfBytes: 1025 }))).toBe('InvalidParameterValue')
  })
})
