import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  COMPLIANCE_PROFILE_NAMES,
  KeywardError,
  blobCipherOf,
  blobKeyIdOf,
  complianceBindingOf,
  withCompliance,
  type KeyProvider,
  type LegacyDecryptEvent,
  type WrappingAlgorithm,
} from '@keyward/core'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { makeProvider } from './helpers.js'
import { codeOf } from '@keyward/test-support'

const REFUSED = 'UnsupportedOperation.ComplianceProfile'

function wrap(publicKeyB64: string, algorithm: WrappingAlgorithm, material: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
  if (algorithm === 'RSAES_PKCS1_V1_5') return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, material)
  return publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' },
    material,
  )
}

/** The message of the refusal `fn` rejects with. */
async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(KeywardError)
    expect((e as KeywardError).code).toBe(REFUSED)
    return (e as KeywardError).message
  }
  throw new Error('expected a compliance refusal')
}

describe('withCompliance over the software provider', () => {
  let env: ReturnType<typeof makeProvider>
  let raw: SoftwareKeyProvider
  beforeEach(() => {
    env = makeProvider('memory')
    raw = env.provider
  })
  afterEach(() => env.dispose())

  it('none returns the provider itself; a profile cannot be loosened or swapped for another', () => {
    expect(withCompliance(raw, 'none')).toBe(raw)
    const gm = withCompliance(raw, 'gm')
    expect(withCompliance(gm, 'none')).toBe(gm)
    expect(withCompliance(gm, 'gm')).toBe(gm)
    expect(() => withCompliance(gm, 'fips')).toThrow(/conflict: gm .* and fips/)
    expect(() => withCompliance(raw, 'GM' as never)).toThrow(/compliance must be one of none, gm, fips/)
    expect(complianceBindingOf(gm)?.profile.name).toBe('gm')
    expect(() => withCompliance(raw, 'gm', { allowLegacyDecrypt: true })).toThrow(/needs onLegacyDecrypt/)
  })

  it('gm narrows the capabilities to SM2, SM3 and SM4', () => {
    const caps = withCompliance(raw, 'gm').capabilities
    expect(caps.keyUsages).toEqual(['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_SM2', 'ASYMMETRIC_SIGN_VERIFY_SM2'])
    expect(caps.symmetricKeySpecs).toEqual(['SM4'])
    expect(caps.signAlgorithms).toEqual(['SM2DSA'])
    expect(caps.asymmetricDecryptAlgorithms).toEqual(['SM2'])
    expect(caps.wrappingAlgorithms).toEqual([])
  })

  it('gm: CreateKey without KeySpec makes SM4; AES, RSA, ECC and EXTERNAL keys are refused naming the alternative', async () => {
    const gm = withCompliance(raw, 'gm')
    expect((await gm.createKey({ alias: 'k' })).keySpec).toBe('SM4')
    expect(await refusal(() => gm.createKey({ alias: 'a', keySpec: 'AES_256' }))).toMatch(
      /gm compliance profile .* does not allow key spec AES_256 \(CreateKey\): use SM4/,
    )
    expect(await refusal(() => gm.createKey({ alias: 'r', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' }))).toMatch(
      /key usage ASYMMETRIC_SIGN_VERIFY_RSA_2048.*use ENCRYPT_DECRYPT \(SM4\)/,
    )
    expect(await codeOf(() => gm.createKey({ alias: 'e', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' }))).toBe(REFUSED)
    expect(await codeOf(() => gm.createKey({ alias: 'x', type: 2 }))).toBe(REFUSED)
    // A bad value stays a bad parameter under every profile.
    expect(await codeOf(() => gm.createKey({ alias: 'y', keySpec: 'DES' as never }))).toBe('InvalidParameterValue')
    expect((await raw.listKeys()).totalCount).toBe(1)
  })

  it('gm: keys made before the profile was switched on cannot be used, rotated or read out', async () => {
    const aes = await raw.createKey({ alias: 'old-aes' })
    const rsa = await raw.createKey({ alias: 'old-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    const gm = withCompliance(raw, 'gm')
    expect(await refusal(() => gm.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('x') }))).toMatch(
      new RegExp(`key spec AES_256 \\(Encrypt, key ${aes.keyId}\\)`),
    )
    expect(await codeOf(() => gm.generateDataKey({ keyId: aes.keyId, numberOfBytes: 16 }))).toBe(REFUSED)
    expect(await codeOf(() => gm.rotateKey(aes.keyId))).toBe(REFUSED)
    expect(await codeOf(() => gm.enableKeyRotation(aes.keyId, 30))).toBe(REFUSED)
    expect(await codeOf(() => gm.getPublicKey(rsa.keyId))).toBe(REFUSED)
    expect(
      await codeOf(() =>
        gm.signByAsymmetricKey({ keyId: rsa.keyId, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('m') }),
      ),
    ).toBe(REFUSED)
    // Managing them stays possible: that is how they are retired.
    await gm.disableKey(aes.keyId)
    await gm.scheduleKeyDeletion(aes.keyId, 7)
  })

  it('gm: data keys default to 16 bytes; AES KeySpecs are refused; NumberOfBytes and SM4 pass', async () => {
    const gm = withCompliance(raw, 'gm')
    const k = await gm.createKey({ alias: 'k' })
    const dk = await gm.generateDataKey({ keyId: k.keyId })
    expect(dk.plaintext.length).toBe(16)
    expect(blobCipherOf(dk.ciphertextBlob)).toBe('SM4-GCM')
    expect((await gm.generateDataKey({ keyId: k.keyId, keySpec: 'SM4' })).plaintext.length).toBe(16)
    expect((await gm.generateDataKey({ keyId: k.keyId, numberOfBytes: 32 })).plaintext.length).toBe(32)
    expect(await refusal(() => gm.generateDataKey({ keyId: k.keyId, keySpec: 'AES_256' }))).toMatch(
      /data key spec AES_256.*use KeySpec SM4/,
    )
    expect(await codeOf(() => gm.generateDataKey({ keyId: k.keyId, keySpec: 'AES_128' }))).toBe(REFUSED)
  })

  it('gm: an AES ciphertext is refused before decryption; allowLegacyDecrypt lets it through and records it', async () => {
    const aes = await raw.createKey({ alias: 'old' })
    const { ciphertextBlob } = await raw.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('legacy') })
    expect(blobCipherOf(ciphertextBlob)).toBe('AES-256-GCM')
    expect(blobKeyIdOf(ciphertextBlob)).toBe(aes.keyId)
    const gm = withCompliance(raw, 'gm')
    expect(await refusal(() => gm.decrypt({ ciphertextBlob }))).toMatch(
      /ciphertext made with AES-256-GCM \(Decrypt; allowLegacyDecrypt is off\)/,
    )
    const events: LegacyDecryptEvent[] = []
    const migrating = withCompliance(raw, 'gm', {
      allowLegacyDecrypt: true,
      onLegacyDecrypt: (e) => void events.push(e),
    })
    expect(Buffer.from((await migrating.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('legacy')
    expect(events).toEqual([{ action: 'Decrypt', keyId: aes.keyId, algorithm: 'AES-256-GCM', profile: 'gm' }])
    // SM4 data never counts as legacy.
    const sm4 = await migrating.createKey({ alias: 'new' })
    const fresh = await migrating.encrypt({ keyId: sm4.keyId, plaintext: Buffer.from('new') })
    await migrating.decrypt({ ciphertextBlob: fresh.ciphertextBlob })
    expect(events).toHaveLength(1)
  })

  it('gm: a legacy decryption whose audit record fails returns nothing', async () => {
    const aes = await raw.createKey({ alias: 'old' })
    const { ciphertextBlob } = await raw.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('legacy') })
    const gm = withCompliance(raw, 'gm', {
      allowLegacyDecrypt: true,
      onLegacyDecrypt: () => {
        throw new Error('audit store down')
      },
    })
    expect(await codeOf(() => gm.decrypt({ ciphertextBlob }))).toBe('InternalError')
  })

  it('gm: ReEncrypt moves legacy data into an SM4 key only with the escape hatch and a destination', async () => {
    const aes = await raw.createKey({ alias: 'old' })
    const { ciphertextBlob } = await raw.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('move me') })
    const events: LegacyDecryptEvent[] = []
    const strict = withCompliance(raw, 'gm')
    const sm4 = await strict.createKey({ alias: 'new' })
    expect(await codeOf(() => strict.reEncrypt({ ciphertextBlob, destinationKeyId: sm4.keyId }))).toBe(REFUSED)
    const migrating = withCompliance(raw, 'gm', {
      allowLegacyDecrypt: true,
      onLegacyDecrypt: (e) => void events.push(e),
    })
    expect(await refusal(() => migrating.reEncrypt({ ciphertextBlob }))).toMatch(/name a DestinationKeyId/)
    expect(await codeOf(() => migrating.reEncrypt({ ciphertextBlob, destinationKeyId: aes.keyId }))).toBe(REFUSED)
    const moved = await migrating.reEncrypt({ ciphertextBlob, destinationKeyId: sm4.keyId })
    expect(blobCipherOf(moved.ciphertextBlob)).toBe('SM4-GCM')
    expect(events.map((e) => e.action)).toEqual(['ReEncrypt'])
    expect(Buffer.from((await strict.decrypt({ ciphertextBlob: moved.ciphertextBlob })).plaintext).toString()).toBe(
      'move me',
    )
  })

  it('gm: SM2 signing and decryption work; RSA decryption is legacy', async () => {
    const gm = withCompliance(raw, 'gm')
    const sig = await gm.createKey({ alias: 's', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })
    const { signature } = await gm.signByAsymmetricKey({
      keyId: sig.keyId,
      algorithm: 'SM2DSA',
      message: Buffer.from('m'),
    })
    expect(
      (await gm.verifyByAsymmetricKey({ keyId: sig.keyId, algorithm: 'SM2DSA', message: Buffer.from('m'), signature }))
        .signatureValid,
    ).toBe(true)
    const rsa = await raw.createKey({ alias: 'r', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const pem = (await raw.getPublicKey(rsa.keyId)).publicKeyPem
    const ciphertext = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('s'),
    )
    expect(
      await codeOf(() => gm.asymmetricRsaDecrypt({ keyId: rsa.keyId, algorithm: 'RSAES_OAEP_SHA_256', ciphertext })),
    ).toBe(REFUSED)
    const events: LegacyDecryptEvent[] = []
    const migrating = withCompliance(raw, 'gm', {
      allowLegacyDecrypt: true,
      onLegacyDecrypt: (e) => void events.push(e),
    })
    expect(
      Buffer.from(
        (await migrating.asymmetricRsaDecrypt({ keyId: rsa.keyId, algorithm: 'RSAES_OAEP_SHA_256', ciphertext }))
          .plaintext,
      ).toString(),
    ).toBe('s')
    expect(events).toEqual([
      { action: 'AsymmetricRsaDecrypt', keyId: rsa.keyId, algorithm: 'RSAES_OAEP_SHA_256', profile: 'gm' },
    ])
  })

  it('fips: SM keys, SM4 data keys, SM2 signatures and PKCS#1 v1.5 wrapping are refused; AES, ECDSA and OAEP work', async () => {
    const fips = withCompliance(raw, 'fips')
    expect(fips.capabilities.symmetricKeySpecs).toEqual(['AES_256'])
    expect(fips.capabilities.wrappingAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'])
    expect(await refusal(() => fips.createKey({ alias: 's', keySpec: 'SM4' }))).toMatch(
      /fips compliance profile .* key spec SM4.*use AES_256/,
    )
    expect(await codeOf(() => fips.createKey({ alias: 's2', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }))).toBe(REFUSED)
    const k = await fips.createKey({ alias: 'a' })
    expect(k.keySpec).toBe('AES_256')
    expect(await codeOf(() => fips.generateDataKey({ keyId: k.keyId, keySpec: 'SM4' }))).toBe(REFUSED)
    const ecc = await fips.createKey({ alias: 'e', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    await fips.signByAsymmetricKey({ keyId: ecc.keyId, algorithm: 'ECC_P256_R1', message: Buffer.from('m') })
    const sm4 = await raw.createKey({ alias: 'old-sm4', keySpec: 'SM4' })
    const { ciphertextBlob } = await raw.encrypt({ keyId: sm4.keyId, plaintext: Buffer.from('x') })
    expect(await refusal(() => fips.decrypt({ ciphertextBlob }))).toMatch(/ciphertext made with SM4-GCM/)
    const ext = await fips.createKey({ alias: 'ext', type: 2 })
    expect(
      await codeOf(() => fips.getParametersForImport({ keyId: ext.keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5' })),
    ).toBe(REFUSED)
    const params = await fips.getParametersForImport({ keyId: ext.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    await fips.importKeyMaterial({
      keyId: ext.keyId,
      importToken: params.importToken,
      encryptedKeyMaterial: wrap(params.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
    })
    expect((await fips.describeKey(ext.keyId)).keyState).toBe('Enabled')
  })

  it('fips: an import token issued for PKCS#1 v1.5 before the profile was switched on does not import', async () => {
    const ext = await raw.createKey({ alias: 'ext', type: 2 })
    const params = await raw.getParametersForImport({ keyId: ext.keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5' })
    const fips = withCompliance(raw, 'fips')
    const wrapped = wrap(params.publicKey, 'RSAES_PKCS1_V1_5', randomBytes(32))
    expect(
      await refusal(() =>
        fips.importKeyMaterial({ keyId: ext.keyId, importToken: params.importToken, encryptedKeyMaterial: wrapped }),
      ),
    ).toMatch(/issued for RSAES_PKCS1_V1_5.*GetParametersForImport again with RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256/)
    // Nor can a caller widen the list the profile sets.
    expect(
      await codeOf(() =>
        fips.importKeyMaterial({
          keyId: ext.keyId,
          importToken: params.importToken,
          encryptedKeyMaterial: wrapped,
          allowedWrappingAlgorithms: ['RSAES_PKCS1_V1_5'],
        }),
      ),
    ).toBe(REFUSED)
    expect((await raw.describeKey(ext.keyId)).keyState).toBe('PendingImport')
  })

  it.each(COMPLIANCE_PROFILE_NAMES)('%s: every refusal names the profile and an alternative', async (name) => {
    const p: KeyProvider = withCompliance(raw, name)
    const bad = name === 'gm' ? 'AES_256' : 'SM4'
    if (name === 'none') {
      expect((await p.createKey({ alias: 'n', keySpec: 'SM4' })).keySpec).toBe('SM4')
      return
    }
    expect(await refusal(() => p.createKey({ alias: 'n', keySpec: bad }))).toMatch(
      new RegExp(`^The ${name} compliance profile \\(.+\\) does not allow key spec ${bad} \\(CreateKey\\): use \\S+`),
    )
  })
})
