import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, MemoryKeyStore, WRAPPING_ALGORITHMS } from '@keyward/core'
import {
  BytesMaterialSource,
  ByokImport,
  KeyWrapperMaterialSource,
  RandomMaterialSource,
  wrapKeyMaterial,
} from '@keyward/flows/byok'
import { SensitiveData } from '@keyward/flows/sensitive'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

describe('BYOK import flow (software provider)', () => {
  const clock = new ManualClock()
  let provider: SoftwareKeyProvider
  let byok: ByokImport
  let n = 0
  const alias = () => `byok-${++n}`
  beforeAll(() => {
    provider = new SoftwareKeyProvider({
      store: new MemoryKeyStore(),
      rootKey: RootKey.fromBytes(randomBytes(32)),
      clock,
    })
    byok = new ByokImport(provider)
  })
  afterAll(() => provider.close())

  async function newPending(keySpec: 'AES_256' | 'SM4' = 'AES_256'): Promise<string> {
    const k = await provider.createKey({ alias: alias(), type: 2, keySpec })
    expect(k.keyState).toBe('PendingImport')
    return k.keyId
  }

  for (const wrappingAlgorithm of WRAPPING_ALGORITHMS) {
    it(`${wrappingAlgorithm}: CreateKey Type=2 → import → Enabled, and the key encrypts`, async () => {
      const key = await byok.createAndImport({
        alias: alias(),
        wrappingAlgorithm,
        source: new RandomMaterialSource(provider),
      })
      expect(key).toMatchObject({ keyState: 'Enabled', origin: 'EXTERNAL', type: 2, keySpec: 'AES_256' })
      const secrets = new SensitiveData(provider)
      expect(await secrets.decryptString(await secrets.encryptString(key.keyId, 'imported'))).toBe('imported')
    })
  }

  it('SM4 keys take 16 bytes; ValidTo is recorded and expiry sends the key back to PendingImport', async () => {
    const validTo = Math.floor(clock.now() / 1000) + 3600
    const key = await byok.createAndImport({
      alias: alias(),
      keySpec: 'SM4',
      validTo,
      source: new RandomMaterialSource(),
    })
    expect(key).toMatchObject({ keyState: 'Enabled', keySpec: 'SM4', validTo })
    clock.advance(3601 * 1000)
    expect((await provider.describeKey(key.keyId)).keyState).toBe('PendingImport')
  })

  it('re-importing identical material works; different material is MaterialNotMatch and changes nothing', async () => {
    const material = randomBytes(32)
    const key = await byok.createAndImport({ alias: alias(), source: new BytesMaterialSource(Buffer.from(material)) })
    const blob = await new SensitiveData(provider).encryptString(key.keyId, 'before')
    await provider.deleteImportedKeyMaterial(key.keyId)
    expect((await provider.describeKey(key.keyId)).keyState).toBe('PendingImport')
    expect(await codeOf(() => byok.importInto(key.keyId, { source: new BytesMaterialSource(randomBytes(32)) }))).toBe(
      'InvalidParameterValue.MaterialNotMatch',
    )
    expect((await provider.describeKey(key.keyId)).keyState).toBe('PendingImport')
    expect((await byok.importInto(key.keyId, { source: new BytesMaterialSource(material) })).keyState).toBe('Enabled')
    expect(await new SensitiveData(provider).decryptString(blob)).toBe('before')
  })

  it('a pluggable wrapper source (material held elsewhere) is called with the token parameters', async () => {
    const held = randomBytes(32)
    const seen: string[] = []
    const source = new KeyWrapperMaterialSource('test holder', async (t) => {
      seen.push(`${t.wrappingAlgorithm}:${t.materialBytes}`)
      return wrapKeyMaterial(t.publicKey, t.wrappingAlgorithm, held)
    })
    const key = await byok.createAndImport({ alias: alias(), wrappingAlgorithm: 'RSAES_OAEP_SHA_1', source })
    expect(key.keyState).toBe('Enabled')
    expect(seen).toEqual(['RSAES_OAEP_SHA_1:32'])
  })

  describe('bad input gives a clear code and leaves the key PendingImport', () => {
    async function expectUnchanged(keyId: string): Promise<void> {
      const k = await provider.describeKey(keyId)
      expect(k.keyState).toBe('PendingImport')
      expect(k.keyVersionCount).toBe(0)
    }

    it('material wrapped with another algorithm than the token says', async () => {
      const keyId = await newPending()
      const p = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const wrong = wrapKeyMaterial(p.publicKey, 'RSAES_OAEP_SHA_1', randomBytes(32))
      expect(
        await codeOf(() =>
          provider.importKeyMaterial({ keyId, importToken: p.importToken, encryptedKeyMaterial: wrong }),
        ),
      ).toBe('InvalidParameter.DecryptMaterialError')
      await expectUnchanged(keyId)
    })

    it('truncated wrapped material', async () => {
      const keyId = await newPending()
      const p = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const wrapped = wrapKeyMaterial(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32))
      expect(
        await codeOf(() =>
          provider.importKeyMaterial({
            keyId,
            importToken: p.importToken,
            encryptedKeyMaterial: wrapped.subarray(0, 200),
          }),
        ),
      ).toBe('InvalidParameter.DecryptMaterialError')
      await expectUnchanged(keyId)
    })

    it('material of the wrong length: refused by the flow before any import, and by the provider when wrapped by hand', async () => {
      const keyId = await newPending('SM4')
      expect(await codeOf(() => byok.importInto(keyId, { source: new BytesMaterialSource(randomBytes(32)) }))).toBe(
        'InvalidParameterValue',
      )
      await expectUnchanged(keyId)
      const p = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5' })
      const wrapped = wrapKeyMaterial(p.publicKey, 'RSAES_PKCS1_V1_5', randomBytes(32))
      expect(
        await codeOf(() =>
          provider.importKeyMaterial({ keyId, importToken: p.importToken, encryptedKeyMaterial: wrapped }),
        ),
      ).toBe('InvalidParameter.DecryptMaterialError')
      await expectUnchanged(keyId)
    })

    it('a token issued for another key', async () => {
      const keyA = await newPending()
      const keyB = await newPending()
      const pA = await provider.getParametersForImport({ keyId: keyA, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      await provider.getParametersForImport({ keyId: keyB, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const wrapped = wrapKeyMaterial(pA.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32))
      const code = await codeOf(() =>
        provider.importKeyMaterial({ keyId: keyB, importToken: pA.importToken, encryptedKeyMaterial: wrapped }),
      )
      expect(code).toMatch(/^InvalidParameter/)
      await expectUnchanged(keyB)
      await expectUnchanged(keyA)
    })

    it('an expired token (24 h) and a superseded one', async () => {
      const keyId = await newPending()
      const old = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const p = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const oldWrapped = wrapKeyMaterial(old.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32))
      expect(
        await codeOf(() =>
          provider.importKeyMaterial({ keyId, importToken: old.importToken, encryptedKeyMaterial: oldWrapped }),
        ),
      ).toBe('ResourceUnavailable.TokenExpired')
      clock.advance((24 * 3600 + 1) * 1000)
      const wrapped = wrapKeyMaterial(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32))
      expect(
        await codeOf(() =>
          provider.importKeyMaterial({ keyId, importToken: p.importToken, encryptedKeyMaterial: wrapped }),
        ),
      ).toBe('ResourceUnavailable.TokenExpired')
      await expectUnchanged(keyId)
    })

    it('flow preconditions: no source, bad algorithm, bad ValidTo, non-EXTERNAL key', async () => {
      const keyId = await newPending()
      expect(await codeOf(() => byok.importInto(keyId, {} as never))).toBe('MissingParameter')
      expect(
        await codeOf(() =>
          byok.importInto(keyId, { source: new RandomMaterialSource(), wrappingAlgorithm: 'RSA_RAW' as never }),
        ),
      ).toBe('InvalidParameterValue')
      expect(await codeOf(() => byok.importInto(keyId, { source: new RandomMaterialSource(), validTo: -5 }))).toBe(
        'InvalidParameterValue',
      )
      await expectUnchanged(keyId)
      const normal = await provider.createKey({ alias: alias() })
      expect(await codeOf(() => byok.importInto(normal.keyId, { source: new RandomMaterialSource() }))).toBe(
        'UnsupportedOperation.NotUserCreatedCmk',
      )
      expect(
        await codeOf(() => byok.createAndImport({ alias: 'KMS-reserved', source: new RandomMaterialSource() })),
      ).toBe('InvalidParameterValue.InvalidAlias')
    })
  })
})
