import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, type WrappingAlgorithm } from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'
import { expectCode } from '@keyward/test-support'

const token = createSoftHsmToken()
const hsm = providerOn(token)
const software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
afterAll(async () => {
  await hsm.close()
  await software.close()
  token.remove()
})

const pubDer = (b64: string): Buffer => Buffer.from(b64, 'base64')

/**
 * BYOK migration in both directions, keeping the KeyId (core's CreateKey keyId for Type=2): the providers share
 * one ciphertext-blob format, so blobs made before the move decrypt after it.
 */
describe('migration between the software provider and the HSM', () => {
  for (const algorithm of ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1'] as WrappingAlgorithm[]) {
    it(`software → HSM (${algorithm}): C_UnwrapKey imports the material; old software blobs decrypt in the token`, async () => {
      const source = await software.createKey({ alias: `sw-src-${algorithm}`, exportable: true })
      const { ciphertextBlob } = await software.encrypt({
        keyId: source.keyId,
        plaintext: Buffer.from('made in software'),
        encryptionContext: { app: 'orders' },
      })
      const target = await hsm.createKey({ alias: `hsm-dst-${algorithm}`, type: 2, keyId: source.keyId })
      expect(target.keyId).toBe(source.keyId)
      const params = await hsm.getParametersForImport({ keyId: target.keyId, wrappingAlgorithm: algorithm })
      const wrapped = await software.exportWrappedKeyMaterial(source.keyId, pubDer(params.publicKey), algorithm)
      await hsm.importKeyMaterial({
        keyId: target.keyId,
        importToken: params.importToken,
        encryptedKeyMaterial: wrapped,
      })
      const { plaintext } = await hsm.decrypt({ ciphertextBlob, encryptionContext: { app: 'orders' } })
      expect(Buffer.from(plaintext).toString()).toBe('made in software')
      // And the other way: a blob the HSM makes now decrypts in software.
      const fromHsm = await hsm.encrypt({ keyId: target.keyId, plaintext: Buffer.from('made in the HSM') })
      expect(
        Buffer.from((await software.decrypt({ ciphertextBlob: fromHsm.ciphertextBlob })).plaintext).toString(),
      ).toBe('made in the HSM')
    })

    it(`HSM → software (${algorithm}): wrapKeyMaterialFor uses C_WrapKey; old HSM blobs decrypt in software`, async () => {
      const source = await hsm.createKey({ alias: `hsm-src-${algorithm}`, extractable: true })
      const { ciphertextBlob } = await hsm.encrypt({
        keyId: source.keyId,
        plaintext: Buffer.from('made in the HSM'),
        encryptionContext: { tenant: '7' },
      })
      const target = await software.createKey({ alias: `sw-dst-${algorithm}`, type: 2, keyId: source.keyId })
      const params = await software.getParametersForImport({ keyId: target.keyId, wrappingAlgorithm: algorithm })
      const wrapped = await hsm.wrapKeyMaterialFor(source.keyId, pubDer(params.publicKey), algorithm)
      expect(wrapped.length).toBe(256)
      await software.importKeyMaterial({
        keyId: target.keyId,
        importToken: params.importToken,
        encryptedKeyMaterial: wrapped,
      })
      const { plaintext } = await software.decrypt({ ciphertextBlob, encryptionContext: { tenant: '7' } })
      expect(Buffer.from(plaintext).toString()).toBe('made in the HSM')
    })
  }

  it('a key created without extractable (the default) cannot be wrapped out: UnsupportedOperation', async () => {
    const key = await hsm.createKey({ alias: 'stays-in-token' })
    const target = await software.createKey({ alias: 'never-filled', type: 2 })
    const params = await software.getParametersForImport({ keyId: target.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    const e = await expectCode(
      () => hsm.wrapKeyMaterialFor(key.keyId, pubDer(params.publicKey), 'RSAES_OAEP_SHA_1'),
      'UnsupportedOperation',
    )
    expect(e.message).toContain('non-extractable')
  })

  it('wrapKeyMaterialFor checks its inputs: bad KeyId, not SPKI, unsupported algorithm, non-symmetric key', async () => {
    const key = await hsm.createKey({ alias: 'wrap-inputs', extractable: true })
    const { publicKey } = await software.getParametersForImport({
      keyId: (await software.createKey({ alias: 'wrap-inputs-dst', type: 2 })).keyId,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_1',
    })
    await expectCode(
      () => hsm.wrapKeyMaterialFor('not a key id!', pubDer(publicKey), 'RSAES_OAEP_SHA_1'),
      'InvalidParameterValue.InvalidKeyId',
    )
    await expectCode(
      () => hsm.wrapKeyMaterialFor(key.keyId, Buffer.from('not der'), 'RSAES_OAEP_SHA_1'),
      'InvalidParameterValue',
    )
    await expectCode(
      () => hsm.wrapKeyMaterialFor(key.keyId, pubDer(publicKey), 'RSAES_OAEP_SHA_256'),
      'UnsupportedOperation',
    )
    const rsaKey = await hsm.createKey({ alias: 'wrap-inputs-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    await expectCode(
      () => hsm.wrapKeyMaterialFor(rsaKey.keyId, pubDer(publicKey), 'RSAES_OAEP_SHA_1'),
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
    await expectCode(
      () => hsm.createKey({ alias: 'wrap-inputs-x', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC', extractable: true }),
      'UnsupportedOperation',
    )
  })
})
