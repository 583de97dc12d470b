import { constants, createDecipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { blobAad, decodeCiphertextBlob, type WrappingAlgorithm } from '@keyward/core'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { DAY_MS, makeProvider } from './helpers.js'
import { codeOf } from '@keyward/test-support'

/** What a BYOK client does: wrap material with the import public key. */
function wrap(publicKeyB64: string, algorithm: WrappingAlgorithm, material: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
  if (algorithm === 'RSAES_PKCS1_V1_5') return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, material)
  return publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' },
    material,
  )
}

/** Decrypts an AES-256-GCM blob with the raw material, independently of the provider. */
function openBlobLocally(blob: string, material: Buffer): Buffer {
  const b = decodeCiphertextBlob(blob)
  const d = createDecipheriv('aes-256-gcm', material, b.nonce)
  d.setAAD(blobAad(b.header, undefined))
  d.setAuthTag(b.tag)
  return Buffer.concat([d.update(b.ciphertext), d.final()])
}

describe.each(['memory', 'sqlite'] as const)('BYOK (%s store)', (kind) => {
  let env: ReturnType<typeof makeProvider>
  let p: SoftwareKeyProvider
  beforeEach(() => {
    env = makeProvider(kind)
    p = env.provider
  })
  afterEach(() => env.dispose())

  async function importInto(
    keyId: string,
    material: Buffer,
    algorithm: WrappingAlgorithm = 'RSAES_OAEP_SHA_256',
    validTo?: number,
  ): Promise<void> {
    const params = await p.getParametersForImport({ keyId, wrappingAlgorithm: algorithm, wrappingKeySpec: 'RSA_2048' })
    await p.importKeyMaterial({
      keyId,
      importToken: params.importToken,
      encryptedKeyMaterial: wrap(params.publicKey, algorithm, material),
      ...(validTo ? { validTo } : {}),
    })
  }

  it.each(['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const)(
    'imports material wrapped with %s; the key then uses exactly that material',
    async (algorithm) => {
      const k = await p.createKey({ alias: 'ext', type: 2 })
      expect(k).toMatchObject({ keyState: 'PendingImport', origin: 'EXTERNAL', type: 2, keyVersionCount: 0 })
      expect(await codeOf(() => p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('x') }))).toBe(
        'ResourceUnavailable.CmkStateNotSupport',
      )
      const params = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: algorithm })
      expect(params.parametersValidTo).toBe(Math.floor(env.clock.now() / 1000) + 86400)
      const material = randomBytes(32)
      await p.importKeyMaterial({
        keyId: k.keyId,
        importToken: params.importToken,
        encryptedKeyMaterial: wrap(params.publicKey, algorithm, material),
      })
      expect((await p.describeKey(k.keyId)).keyState).toBe('Enabled')
      const { ciphertextBlob } = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('imported') })
      expect(openBlobLocally(ciphertextBlob, material).toString()).toBe('imported')
    },
  )

  it('imports 16-byte SM4 material and refuses 32 bytes for it', async () => {
    const k = await p.createKey({ alias: 'ext-sm4', type: 2, keySpec: 'SM4' })
    const params = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    expect(
      await codeOf(() =>
        p.importKeyMaterial({
          keyId: k.keyId,
          importToken: params.importToken,
          encryptedKeyMaterial: wrap(params.publicKey, 'RSAES_OAEP_SHA_1', randomBytes(32)),
        }),
      ),
    ).toBe('InvalidParameter.DecryptMaterialError')
    await p.importKeyMaterial({
      keyId: k.keyId,
      importToken: params.importToken,
      encryptedKeyMaterial: wrap(params.publicKey, 'RSAES_OAEP_SHA_1', randomBytes(16)),
    })
    const blob = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('sm4') })
    expect(Buffer.from((await p.decrypt(blob)).plaintext).toString()).toBe('sm4')
  })

  it('tokens: only the newest is valid, for 24 h, and only for its key; failed imports change nothing', async () => {
    const k = await p.createKey({ alias: 'tok', type: 2 })
    const other = await p.createKey({ alias: 'tok2', type: 2 })
    const material = randomBytes(32)
    const first = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    const second = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    const req = (token: string, publicKey: string) => ({
      keyId: k.keyId,
      importToken: token,
      encryptedKeyMaterial: wrap(publicKey, 'RSAES_OAEP_SHA_256', material),
    })
    expect(await codeOf(() => p.importKeyMaterial(req(first.importToken, first.publicKey)))).toBe(
      'ResourceUnavailable.TokenExpired',
    )
    const otherParams = await p.getParametersForImport({ keyId: other.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    expect(await codeOf(() => p.importKeyMaterial(req(otherParams.importToken, otherParams.publicKey)))).toBe(
      'InvalidParameter',
    )
    expect(await codeOf(() => p.importKeyMaterial(req('garbage', second.publicKey)))).toBe('InvalidParameter')
    // Wrapped for the superseded public key: does not unwrap under the current one.
    expect(
      await codeOf(() =>
        p.importKeyMaterial({
          ...req(second.importToken, second.publicKey),
          encryptedKeyMaterial: wrap(first.publicKey, 'RSAES_OAEP_SHA_256', material),
        }),
      ),
    ).toBe('InvalidParameter.DecryptMaterialError')
    expect(
      await codeOf(() =>
        p.importKeyMaterial({
          ...req(second.importToken, second.publicKey),
          encryptedKeyMaterial: wrap(second.publicKey, 'RSAES_OAEP_SHA_1', material),
        }),
      ),
    ).toBe('InvalidParameter.DecryptMaterialError')
    expect(await p.describeKey(k.keyId)).toMatchObject({ keyState: 'PendingImport', keyVersionCount: 0 })
    env.clock.advance(DAY_MS)
    expect(await codeOf(() => p.importKeyMaterial(req(second.importToken, second.publicKey)))).toBe(
      'ResourceUnavailable.TokenExpired',
    )
    const third = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    await p.importKeyMaterial(req(third.importToken, third.publicKey))
    expect((await p.describeKey(k.keyId)).keyState).toBe('Enabled')
  })

  it('ValidTo expiry and DeleteImportedKeyMaterial make the key PendingImport; only identical material re-imports', async () => {
    const k = await p.createKey({ alias: 'expiring', type: 2 })
    const material = randomBytes(32)
    const now = Math.floor(env.clock.now() / 1000)
    expect(await codeOf(() => importInto(k.keyId, material, 'RSAES_OAEP_SHA_256', now - 1))).toBe(
      'InvalidParameterValue',
    )
    await importInto(k.keyId, material, 'RSAES_OAEP_SHA_256', now + 3600)
    expect((await p.describeKey(k.keyId)).validTo).toBe(now + 3600)
    const blob = await p.encrypt({ keyId: k.keyId, plaintext: Buffer.from('before') })
    env.clock.advance(3600_000)
    expect((await p.describeKey(k.keyId)).keyState).toBe('PendingImport')
    expect(await codeOf(() => p.decrypt(blob))).toBe('ResourceUnavailable.CmkStateNotSupport')
    expect(await codeOf(() => importInto(k.keyId, randomBytes(32)))).toBe('InvalidParameterValue.MaterialNotMatch')
    expect((await p.describeKey(k.keyId)).keyState).toBe('PendingImport')
    await importInto(k.keyId, material)
    expect(Buffer.from((await p.decrypt(blob)).plaintext).toString()).toBe('before')
    await p.deleteImportedKeyMaterial(k.keyId)
    expect(await p.describeKey(k.keyId)).toMatchObject({ keyState: 'PendingImport', keyVersionCount: 0 })
    expect(await codeOf(() => p.decrypt(blob))).toBe('ResourceUnavailable.CmkStateNotSupport')
    await importInto(k.keyId, material, 'RSAES_PKCS1_V1_5')
    expect(Buffer.from((await p.decrypt(blob)).plaintext).toString()).toBe('before')
  })

  it('only EXTERNAL keys take imported material', async () => {
    const k = await p.createKey({ alias: 'native' })
    expect(
      await codeOf(() => p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })),
    ).toBe('UnsupportedOperation.NotUserCreatedCmk')
    expect(
      await codeOf(() =>
        p.importKeyMaterial({ keyId: k.keyId, importToken: 'x', encryptedKeyMaterial: Buffer.alloc(256) }),
      ),
    ).toBe('UnsupportedOperation.NotUserCreatedCmk')
    expect(await codeOf(() => p.deleteImportedKeyMaterial(k.keyId))).toBe('UnsupportedOperation.NotUserCreatedCmk')
    expect(
      await codeOf(() => p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSA_RAW' as never })),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(() => p.createKey({ alias: 'ext-rsa', type: 2, keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })),
    ).toBe('UnsupportedOperation')
  })

  it('exportWrappedKeyMaterial moves an exportable key to another provider under the same KeyId', async () => {
    const locked = await p.createKey({ alias: 'locked' })
    const src = await p.createKey({ alias: 'movable', exportable: true })
    const blob = await p.encrypt({
      keyId: src.keyId,
      plaintext: Buffer.from('follows the key'),
      encryptionContext: { app: 'a' },
    })
    const target = makeProvider()
    try {
      const t = target.provider
      const dst = await t.createKey({ alias: 'movable', type: 2, keyId: src.keyId })
      const params = await t.getParametersForImport({ keyId: dst.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const wrappingKey = Buffer.from(params.publicKey, 'base64')
      expect(await codeOf(() => p.exportWrappedKeyMaterial(locked.keyId, wrappingKey, 'RSAES_OAEP_SHA_256'))).toBe(
        'UnsupportedOperation',
      )
      expect(
        await codeOf(() => p.exportWrappedKeyMaterial(src.keyId, Buffer.from('not a key'), 'RSAES_OAEP_SHA_256')),
      ).toBe('InvalidParameterValue')
      const wrapped = await p.exportWrappedKeyMaterial(src.keyId, wrappingKey, 'RSAES_OAEP_SHA_256')
      await t.importKeyMaterial({ keyId: dst.keyId, importToken: params.importToken, encryptedKeyMaterial: wrapped })
      expect(Buffer.from((await t.decrypt({ ...blob, encryptionContext: { app: 'a' } })).plaintext).toString()).toBe(
        'follows the key',
      )
    } finally {
      await target.dispose()
    }
    expect(
      await codeOf(() => p.createKey({ alias: 'rsa-exp', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048', exportable: true })),
    ).toBe('InvalidParameterValue')
  })
})
