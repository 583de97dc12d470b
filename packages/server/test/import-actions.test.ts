import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, startTestServer, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('BYOK Actions through the SDK', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
  })
  afterAll(async () => {
    await t.close()
  })

  const wrap = (publicKey: string, material: Buffer, alg: 'RSAES_OAEP_SHA_256' | 'RSAES_PKCS1_V1_5'): string =>
    b64(
      publicEncrypt(
        {
          key: createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }),
          padding: alg === 'RSAES_PKCS1_V1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING,
          ...(alg === 'RSAES_PKCS1_V1_5' ? {} : { oaepHash: 'sha256' }),
        },
        material,
      ),
    )

  it('GetParametersForImport → ImportKeyMaterial → Encrypt; DeleteImportedKeyMaterial → PendingImport; only the same material re-imports', async () => {
    const k = await t.admin.CreateKey({ Alias: 'byok', Type: 2 })
    expect(k.KeyState).toBe('PendingImport')
    expect(await codeOf(t.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: 'aGk=' }))).toMatch(/^ResourceUnavailable\./)
    const material = randomBytes(32)
    const p = await t.admin.GetParametersForImport({
      KeyId: k.KeyId!,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })
    expect(p.KeyId).toBe(k.KeyId)
    expect(p.ParametersValidTo - Math.floor(Date.now() / 1000)).toBeGreaterThan(23 * 3600)
    const validTo = Math.floor(Date.now() / 1000) + 86400 * 30
    await t.admin.ImportKeyMaterial({
      KeyId: k.KeyId!,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrap(p.PublicKey, material, 'RSAES_OAEP_SHA_256'),
      ValidTo: validTo,
    })
    const d = await t.admin.DescribeKey({ KeyId: k.KeyId! })
    expect(d.KeyMetadata).toMatchObject({ KeyState: 'Enabled', Origin: 'EXTERNAL', Type: 2, ValidTo: validTo })
    const e = await t.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('imported') })
    await t.admin.DeleteImportedKeyMaterial({ KeyId: k.KeyId! })
    expect((await t.admin.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.KeyState).toBe('PendingImport')
    const p2 = await t.admin.GetParametersForImport({
      KeyId: k.KeyId!,
      WrappingAlgorithm: 'RSAES_PKCS1_V1_5',
      WrappingKeySpec: 'RSA_2048',
    })
    expect(
      await codeOf(
        t.admin.ImportKeyMaterial({
          KeyId: k.KeyId!,
          ImportToken: p2.ImportToken,
          EncryptedKeyMaterial: wrap(p2.PublicKey, randomBytes(32), 'RSAES_PKCS1_V1_5'),
        }),
      ),
    ).toBe('InvalidParameterValue.MaterialNotMatch')
    await t.admin.ImportKeyMaterial({
      KeyId: k.KeyId!,
      ImportToken: p2.ImportToken,
      EncryptedKeyMaterial: wrap(p2.PublicKey, material, 'RSAES_PKCS1_V1_5'),
    })
    expect(
      Buffer.from((await t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! })).Plaintext!, 'base64').toString(),
    ).toBe('imported')
  })

  it('rejects bad import input', async () => {
    const k = await t.admin.CreateKey({ Alias: 'byok-bad', Type: 2 })
    const normal = await t.admin.CreateKey({ Alias: 'not-external' })
    expect(
      await codeOf(
        t.admin.GetParametersForImport({ KeyId: k.KeyId!, WrappingAlgorithm: 'RSA_RAW', WrappingKeySpec: 'RSA_2048' }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.GetParametersForImport({
          KeyId: k.KeyId!,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
          WrappingKeySpec: 'RSA_4096',
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.GetParametersForImport({
          KeyId: normal.KeyId!,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
          WrappingKeySpec: 'RSA_2048',
        }),
      ),
    ).toBe('UnsupportedOperation.NotUserCreatedCmk')
    const p = await t.admin.GetParametersForImport({
      KeyId: k.KeyId!,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })
    expect(
      await codeOf(
        t.admin.ImportKeyMaterial({
          KeyId: k.KeyId!,
          ImportToken: p.ImportToken,
          EncryptedKeyMaterial: b64(randomBytes(256)),
        }),
      ),
    ).toBe('InvalidParameter.DecryptMaterialError')
    expect(
      await codeOf(
        t.admin.ImportKeyMaterial({ KeyId: k.KeyId!, ImportToken: p.ImportToken, EncryptedKeyMaterial: 'bad base64' }),
      ),
    ).toBe('InvalidParameterValue')
  })
})
