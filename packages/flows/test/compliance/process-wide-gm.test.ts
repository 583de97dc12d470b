import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, enforceComplianceProcessWide, processCompliance } from '@keyward/core'
import { encryptWithPublicKey } from '@keyward/flows/asymmetric'
import { wrapKeyMaterial } from '@keyward/flows/byok'
import {
  EnvelopeClient,
  ProviderMasterKey,
  RawAesMasterKey,
  ecdsaP256HeaderSigner,
  legacyEcbEncrypt,
  sm2HeaderSigner,
} from '@keyward/flows/envelope'
import { BlindIndex, IndexKey, normalizeText } from '@keyward/flows/searchable'
import { verifySignatureLocally } from '@keyward/flows/signature'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

// gm in force for the whole process (as the container and `keyward` set it): flows that touch no provider, or a
// provider nobody bound, refuse what gm forbids and take its defaults. (This file runs gm only: the setting stays.)

const REFUSED = 'UnsupportedOperation.ComplianceProfile'

describe('gm for the whole process', () => {
  let raw: SoftwareKeyProvider
  beforeAll(() => {
    raw = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    enforceComplianceProcessWide('gm', 'this test')
  })
  afterAll(() => raw.close())

  it('is never loosened, and another profile is refused', () => {
    enforceComplianceProcessWide('none')
    expect(processCompliance()).toBe('gm')
    expect(() => enforceComplianceProcessWide('fips', 'a later config')).toThrow(
      /conflict: gm \(this test\) and fips \(a later config\)/,
    )
  })

  it('an envelope over an unbound provider writes SM4 and refuses AES, whatever its own options say', async () => {
    const keyId = (await raw.createKey({ alias: 'cmk', keySpec: 'SM4' })).keyId
    const client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: raw, keyId }), compliance: 'none' })
    expect(client.suite.name).toBe('SM4_GCM_HKDF_SM3_COMMIT')
    expect(
      await codeOf(
        () =>
          new EnvelopeClient({
            keyring: new ProviderMasterKey({ provider: raw, keyId }),
            suite: 'AES_256_GCM_HKDF_SHA256_COMMIT',
          }),
      ),
    ).toBe(REFUSED)
    expect(
      await codeOf(
        () => new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: raw, keyId }), compliance: 'fips' }),
      ),
    ).toBe('InvalidParameterValue')
  })

  it('local algorithms with no provider in between are refused: raw AES keys, ECDSA signers, RSA encryption and wrapping, ECB, RSA/ECDSA verification', async () => {
    expect(await codeOf(() => new RawAesMasterKey({ namespace: 'n', keyId: 'k', key: randomBytes(32) }))).toBe(REFUSED)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(await codeOf(() => ecdsaP256HeaderSigner(ec.privateKey))).toBe(REFUSED)
    expect(sm2HeaderSigner(randomBytes(32)).algorithm).toBe('SM2DSA')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(await codeOf(() => encryptWithPublicKey(pem, 'RSAES_OAEP_SHA_256', Buffer.from('x')))).toBe(REFUSED)
    const der = rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    expect(await codeOf(() => wrapKeyMaterial(der, 'RSAES_OAEP_SHA_256', randomBytes(16)))).toBe(REFUSED)
    expect(await codeOf(() => legacyEcbEncrypt(randomBytes(32), Buffer.from('x')))).toBe(REFUSED)
    const sig = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_NO_PADDING }, Buffer.alloc(256, 1))
    expect(await codeOf(verifySignatureLocally(pem, 'RSA_PKCS1_SHA_256', Buffer.from('m'), sig))).toBe(REFUSED)
    const sm2Pem = (
      await raw.getPublicKey((await raw.createKey({ alias: 'sm2', keyUsage: 'ASYMMETRIC_DECRYPT_SM2' })).keyId)
    ).publicKeyPem
    expect(encryptWithPublicKey(sm2Pem, 'SM2', Buffer.from('x')).length).toBeGreaterThan(96)
  })

  it('blind indexes default to SM3', async () => {
    const keyId = (await raw.createKey({ alias: 'idx', keySpec: 'SM4' })).keyId
    const key = new IndexKey({ provider: raw, ...(await IndexKey.generate(raw, keyId)) })
    expect((await BlindIndex.create({ key, table: 't', field: 'f', normalize: normalizeText, bits: 12 })).hash).toBe(
      'SM3',
    )
    expect(
      await codeOf(
        BlindIndex.create({ key, table: 't', field: 'f', normalize: normalizeText, bits: 12, hash: 'SHA-256' }),
      ),
    ).toBe(REFUSED)
    key.close()
  })
})
