import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  constants,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, blobAad, blobHeader, decodeCiphertextBlob, encodeCiphertextBlob } from '@keyward/core'
import { ETM_DERIVATION } from '@keyward/provider-pkcs11'
import { createTestToken, expectCode, objectsWithIdPrefix, withTokenSession } from '@keyward/test-support'
import { byokCases } from './byok-cases.js'
import { providerOnToken, recordingStore } from './helpers.js'

// openCryptoki 3.8's software token: no CKM_AES_GCM, no EC, no CKM_SHA256_RSA_PKCS, and CKA_EXTRACTABLE forced
// TRUE on unwrapped keys. One system-wide token: every object made here is deleted at the end.
const token = createTestToken('opencryptoki')
const keyIds = new Set<string>()
const provider = providerOnToken(token, { store: recordingStore(new MemoryKeyStore(), keyIds) })
afterAll(async () => {
  await provider.close()
  await token.remove(keyIds)
  withTokenSession(token, (s) => {
    for (const keyId of keyIds)
      expect(objectsWithIdPrefix(s, `${keyId}/`), `objects of ${keyId} left on the shared token`).toHaveLength(0)
  })
})

/** Imports `material` into a new EXTERNAL key and returns its KeyId. */
async function imported(material: Buffer): Promise<string> {
  const key = await provider.createKey({ alias: `ock-imp-${randomBytes(4).toString('hex')}`, type: 2 })
  const params = await provider.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
  const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
  const encryptedKeyMaterial = publicEncrypt(
    { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    material,
  )
  await provider.importKeyMaterial({ keyId: key.keyId, importToken: params.importToken, encryptedKeyMaterial })
  return key.keyId
}

/** K_enc and K_mac as the documented derivation gives them from the version key, computed here with node:crypto. */
function workingKeys(material: Buffer): { enc: Buffer; mac: Buffer } {
  const ecbDecrypt = (c: Buffer) => {
    const d = createDecipheriv('aes-256-ecb', material, null).setAutoPadding(false)
    return Buffer.concat([d.update(c), d.final()])
  }
  return { enc: ecbDecrypt(ETM_DERIVATION.enc), mac: ecbDecrypt(ETM_DERIVATION.mac) }
}

const aadBits = (aad: Buffer) => {
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(aad.length * 8))
  return al
}

describe('capabilities read from openCryptoki 3.8 swtok (issue 13, item 3)', () => {
  it('declares what the token has and names what it lacks: no CKM_AES_GCM (construction instead), no EC', async () => {
    const plan = provider.tokenPlan()
    expect(plan.symmetric).toBe('AES-256-CBC-HMAC-SHA256')
    expect(provider.capabilities.keyUsages).not.toContain('ASYMMETRIC_SIGN_VERIFY_ECC')
    expect(provider.capabilities.signAlgorithms).not.toContain('ECC_P256_R1')
    const e = await expectCode(
      () => provider.createKey({ alias: `ock-ec-${Date.now()}`, keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' }),
      'UnsupportedOperation',
    )
    expect(e.message).toContain('CKM_EC_KEY_PAIR_GEN')
    expect((await provider.listKeys({ searchKeyAlias: 'ock-ec-' })).totalCount).toBe(0)
  })
})

describe('RSA_PKCS1_SHA_256 RAW without CKM_SHA256_RSA_PKCS (item 4)', () => {
  it('signs through the digest path; node:crypto verifies it, and it equals the DIGEST signature of the same message', async () => {
    expect(provider.tokenPlan().rsaPkcs1Raw).toBeUndefined()
    const key = await provider.createKey({
      alias: `ock-rsa-${Date.now()}`,
      keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    })
    const message = randomBytes(1000)
    const raw = (
      await provider.signByAsymmetricKey({
        keyId: key.keyId,
        algorithm: 'RSA_PKCS1_SHA_256',
        message,
        messageType: 'RAW',
      })
    ).signature
    const digest = createHash('sha256').update(message).digest()
    const viaDigest = (
      await provider.signByAsymmetricKey({
        keyId: key.keyId,
        algorithm: 'RSA_PKCS1_SHA_256',
        message: digest,
        messageType: 'DIGEST',
      })
    ).signature
    expect(Buffer.from(raw)).toEqual(Buffer.from(viaDigest))
    const pub = createPublicKey((await provider.getPublicKey(key.keyId)).publicKeyPem)
    expect(verify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, raw)).toBe(true)
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'RSA_PKCS1_SHA_256',
          message,
          messageType: 'RAW',
          signature: raw,
        })
      ).signatureValid,
    ).toBe(true)
  })
})

describe('BYOK into openCryptoki (item 5)', () => {
  it('imports: the unwrap template carries no CKA_EXTRACTABLE=TRUE (which swtok refuses with CKR_ATTRIBUTE_READ_ONLY)', async () => {
    const keyId = await imported(randomBytes(32))
    expect((await provider.describeKey(keyId)).keyState).toBe('Enabled')
  })

  it('material of the wrong length is refused from the CKA_VALUE_LEN the token reports (it has no CKM_AES_KEY_WRAP to measure)', async () => {
    const e = await expectCode(() => imported(randomBytes(16)), 'InvalidParameterValue')
    expect(e.message).toBe('Key material for AES_256 must be 32 bytes.')
  })
})

describe('AES-256-CBC + HMAC-SHA256 (blob cipher 3) against node:crypto', () => {
  it('a blob the token makes verifies and decrypts on the host from the imported material and the documented derivation', async () => {
    const material = randomBytes(32)
    const keyId = await imported(material)
    const context = { table: 'orders' }
    const { ciphertextBlob } = await provider.encrypt({
      keyId,
      plaintext: Buffer.from('card 4111'),
      encryptionContext: context,
    })
    const parts = decodeCiphertextBlob(ciphertextBlob)
    expect(parts.cipher).toBe('AES-256-CBC-HMAC-SHA256')
    expect(parts.nonce).toHaveLength(16)
    expect(parts.tag).toHaveLength(32)
    const k = workingKeys(material)
    const aad = blobAad(parts.header, context)
    const tag = createHmac('sha256', k.mac)
      .update(Buffer.concat([aad, parts.nonce, parts.ciphertext, aadBits(aad)]))
      .digest()
    expect(Buffer.from(parts.tag)).toEqual(tag)
    const d = createDecipheriv('aes-256-cbc', k.enc, parts.nonce)
    expect(Buffer.concat([d.update(parts.ciphertext), d.final()]).toString()).toBe('card 4111')
  })

  it('a blob made on the host with node:crypto decrypts in the token; a changed tag, IV, ciphertext or context does not', async () => {
    const material = randomBytes(32)
    const keyId = await imported(material)
    const k = workingKeys(material)
    const header = blobHeader('AES-256-CBC-HMAC-SHA256', keyId, 1)
    const iv = randomBytes(16)
    const c = createCipheriv('aes-256-cbc', k.enc, iv)
    const ct = Buffer.concat([c.update('from the host'), c.final()])
    const aad = blobAad(header, { a: 'b' })
    const tag = createHmac('sha256', k.mac)
      .update(Buffer.concat([aad, iv, ct, aadBits(aad)]))
      .digest()
    const blob = encodeCiphertextBlob(header, iv, tag, ct)
    expect(
      Buffer.from(
        (await provider.decrypt({ ciphertextBlob: blob, encryptionContext: { a: 'b' } })).plaintext,
      ).toString(),
    ).toBe('from the host')
    const flip = (at: number) => {
      const b = Buffer.from(blob, 'base64')
      b[at]! ^= 1
      return b.toString('base64')
    }
    for (const bad of [flip(header.length), flip(header.length + 16), flip(header.length + 48)]) {
      await expectCode(
        () => provider.decrypt({ ciphertextBlob: bad, encryptionContext: { a: 'b' } }),
        'InvalidParameterValue.InvalidCiphertext',
      )
    }
    await expectCode(
      () => provider.decrypt({ ciphertextBlob: blob, encryptionContext: { a: 'c' } }),
      'InvalidParameterValue.InvalidCiphertext',
    )
  })
})

byokCases(token, () => provider)
