import { createCipheriv, createDecipheriv, createPublicKey, constants, publicEncrypt, randomBytes } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { afterAll, describe, expect, it } from 'vitest'
import { blobAad, blobHeader, decodeCiphertextBlob, encodeCiphertextBlob, type SymmetricKeySpec } from '@keyward/core'
import type { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { createTestToken, expectCode, tempDir } from '@keyward/test-support'
import { nssLibraryParameters } from '../../../test/support/nss-token.js'
import { byokCases } from './byok-cases.js'
import { providerOnToken } from './helpers.js'

// NSS softokn 3.87 loaded directly: it needs its init string (libraryParameters) and the v2.40 CK_GCM_PARAMS.
const token = createTestToken('nss')
const provider = providerOnToken(token)
afterAll(async () => {
  await provider.close()
  await token.remove()
})

/** Imports `material` into a new EXTERNAL key of `spec` on `p` and returns its KeyId. */
async function imported(p: Pkcs11KeyProvider, material: Buffer, spec: SymmetricKeySpec = 'AES_256'): Promise<string> {
  const key = await p.createKey({ alias: `nss-imp-${randomBytes(4).toString('hex')}`, type: 2, keySpec: spec })
  const params = await p.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
  const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
  await p.importKeyMaterial({
    keyId: key.keyId,
    importToken: params.importToken,
    encryptedKeyMaterial: publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      material,
    ),
  })
  return key.keyId
}

describe('C_Initialize library parameters (issue 13, item 2)', () => {
  it('without them NSS refuses to initialise (CKR_ARGUMENTS_BAD) and the error says libraryParameters may be needed', async () => {
    const bare = providerOnToken(token, { libraryParameters: undefined })
    const e = await expectCode(() => bare.connect(), 'FailedOperation.ProviderUnavailable')
    expect(e.message).toContain('libraryParameters')
    await bare.close()
  })

  it('a second provider asking for the loaded module with other parameters is refused, not given the first database', async () => {
    await provider.connect()
    const other = tempDir('keyward-nss-other-')
    const second = providerOnToken(token, { libraryParameters: nssLibraryParameters(other.dir) })
    const e = await expectCode(() => second.connect(), 'FailedOperation.ProviderUnavailable')
    expect(e.message).toContain('other libraryParameters')
    await second.close()
    other.remove()
    expect((await provider.generateRandom(16)).length).toBe(16)
  })

  it('refuses parameters that are not a C string: empty, with NUL, over 4096 characters, not a string', async () => {
    for (const bad of ['', 'a\0b', 'x'.repeat(4097), 42]) {
      await expectCode(() => providerOnToken(token, { libraryParameters: bad as string }), 'InvalidParameterValue')
    }
  })
})

describe('AES-GCM with PKCS#11 v2.40 parameters (item 1)', () => {
  it("the token's ciphertext is AES-256-GCM exactly as node:crypto computes it, and a host-made blob decrypts in the token", async () => {
    const material = randomBytes(32)
    const keyId = await imported(provider, material)
    const context = { order: '42' }
    const { ciphertextBlob } = await provider.encrypt({
      keyId,
      plaintext: Buffer.from('pay 100'),
      encryptionContext: context,
    })
    const parts = decodeCiphertextBlob(ciphertextBlob)
    expect(parts.cipher).toBe('AES-256-GCM')
    const d = createDecipheriv('aes-256-gcm', material, parts.nonce)
      .setAAD(blobAad(parts.header, context))
      .setAuthTag(parts.tag)
    expect(Buffer.concat([d.update(parts.ciphertext), d.final()]).toString()).toBe('pay 100')

    const header = blobHeader('AES-256-GCM', keyId, 1)
    const nonce = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', material, nonce).setAAD(blobAad(header, context))
    const ct = Buffer.concat([c.update('from the host'), c.final()])
    const blob = encodeCiphertextBlob(header, nonce, c.getAuthTag(), ct)
    expect(
      Buffer.from((await provider.decrypt({ ciphertextBlob: blob, encryptionContext: context })).plaintext).toString(),
    ).toBe('from the host')
  })
})

describe('errors that say what failed (item 6)', () => {
  it('a token failure while checking imported material keeps its own code, instead of "material must be N bytes"', async () => {
    // A vendor map whose "SM4_GCM" is CKM_AES_CTR: NSS lists it for ENCRYPT|DECRYPT, so SM4 is declared, and the
    // key check value then fails in the token (NSS answers CKR_HOST_MEMORY to GCM parameters for CTR). The
    // 16-byte material is right, and NSS reported its length: the error must say what failed.
    const mapped = providerOnToken(token, {
      vendorMechanisms: {
        SM4_KEY_GEN: { mechanism: 'AES_KEY_GEN', keyType: 'AES', valueLen: 16 },
        SM4_GCM: { mechanism: `0x${graphene.MechanismEnum.AES_CTR.toString(16)}`, params: 'gcm' },
      },
    })
    expect(mapped.capabilities.symmetricKeySpecs).toContain('SM4')
    const e = await expectCode(() => imported(mapped, randomBytes(16), 'SM4'), 'InternalError')
    expect(e.message).not.toContain('must be')
    expect(e.backendCode).toBe('CKR_HOST_MEMORY')
    await mapped.close()
  })
})

byokCases(token, () => provider)
