import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import pkcs11 from 'pkcs11js'
import { afterAll, describe, expect, it } from 'vitest'
import { AsymmetricMasterKey, EnvelopeClient, Keyring } from '@keyward/flows/envelope'
import { createTestToken, expectCode, withTokenSession } from '@keyward/test-support'
import { toKeywardError } from '../src/pkcs11-errors.js'
import { unwrapError } from '../src/material-probe.js'
import { providerOnToken } from './helpers.js'

// tpm2-pkcs11 1.9 on swtpm: lists CKM_AES_KEY_GEN with CKF_GENERATE but has no C_GenerateKey, no C_UnwrapKey,
// no CKM_RSA_PKCS_PSS; and it leaves an operation active on a session after a failed C_Decrypt.
const token = createTestToken('tpm2')
const provider = providerOnToken(token, { poolSize: 1 })
afterAll(async () => {
  await provider.close()
  await token.remove()
})

/** The error a tpm2-pkcs11 function stub really throws. */
function realError(call: (lib: pkcs11.PKCS11, session: Buffer) => unknown): unknown {
  return withTokenSession(
    token,
    (session) => {
      try {
        call(session.lib, session.handle)
      } catch (e) {
        return e
      }
      throw new Error('expected the token to fail')
    },
    { alongside: true },
  )
}

describe('capabilities read from tpm2-pkcs11 (issue 13, item 3)', () => {
  it('a mechanism listed for a function the module lacks is not declared: no C_GenerateKey, so no ENCRYPT_DECRYPT', async () => {
    const plan = provider.tokenPlan()
    expect([...plan.facts.mechanisms.values()].some((m) => m.name === 'AES_KEY_GEN')).toBe(true)
    expect(plan.has('C_GenerateKey')).toBe(false)
    expect(plan.has('C_UnwrapKey')).toBe(false)
    expect(plan.has('C_GenerateKeyPair')).toBe(true)
    expect(provider.capabilities.keyUsages).not.toContain('ENCRYPT_DECRYPT')
    expect(provider.capabilities.keyRotation).toBe(false)
    const e = await expectCode(() => provider.createKey({ alias: `tpm-aes-${Date.now()}` }), 'UnsupportedOperation')
    expect(e.message).toContain('C_GenerateKey')
    await expectCode(() => provider.createKey({ alias: `tpm-ext-${Date.now()}`, type: 2 }), 'UnsupportedOperation')
  })

  it('RSA-PSS is not declared without CKM_RSA_PKCS_PSS; PKCS#1 v1.5 is, and signs', async () => {
    expect(provider.capabilities.signAlgorithms).not.toContain('RSA_PSS_SHA_256')
    const key = await provider.createKey({
      alias: `tpm-rsa-${Date.now()}`,
      keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    })
    const e = await expectCode(
      () => provider.signByAsymmetricKey({ keyId: key.keyId, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('m') }),
      'UnsupportedOperation',
    )
    expect(e.message).toContain('CKM_RSA_PKCS_PSS')
    const { signature } = await provider.signByAsymmetricKey({
      keyId: key.keyId,
      algorithm: 'RSA_PKCS1_SHA_256',
      message: Buffer.from('m'),
    })
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'RSA_PKCS1_SHA_256',
          message: Buffer.from('m'),
          signature,
        })
      ).signatureValid,
    ).toBe(true)
  })
})

describe('errors that say what failed (item 6)', () => {
  it('CKR_FUNCTION_NOT_SUPPORTED from the token is UnsupportedOperation, not InternalError', () => {
    const e = realError((lib, s) =>
      lib.C_GenerateKey(s, { mechanism: pkcs11.CKM_AES_KEY_GEN }, [{ type: pkcs11.CKA_VALUE_LEN, value: 32 }]),
    )
    expect(toKeywardError(e, 'Generating a key in the token')).toMatchObject({
      code: 'UnsupportedOperation',
      backendCode: 'CKR_FUNCTION_NOT_SUPPORTED',
    })
  })

  it("a token without C_UnwrapKey says so; the caller's material is not reported as bad", () => {
    const e = realError((lib, s) =>
      lib.C_UnwrapKey(s, { mechanism: pkcs11.CKM_RSA_PKCS }, Buffer.alloc(8), randomBytes(256), []),
    )
    const err = unwrapError(e) as { code: string; message: string }
    expect(err.code).toBe('UnsupportedOperation')
    expect(err.message).toContain('C_UnwrapKey')
  })
})

describe('session hygiene (item 7)', () => {
  it('a failed decryption does not leave its session with an active operation: the next call on the one-session pool works', async () => {
    const key = await provider.createKey({ alias: `tpm-dec-${Date.now()}`, keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const pub = createPublicKey((await provider.getPublicKey(key.keyId)).publicKeyPem)
    const ciphertext = publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from('secret'),
    )
    for (let i = 0; i < 3; i++) {
      const garbage = Buffer.from(ciphertext)
      garbage[7]! ^= 0x40
      await expectCode(
        () => provider.asymmetricRsaDecrypt({ keyId: key.keyId, algorithm: 'RSAES_OAEP_SHA_1', ciphertext: garbage }),
        'InvalidParameterValue.InvalidCiphertext',
      )
      const { plaintext } = await provider.asymmetricRsaDecrypt({
        keyId: key.keyId,
        algorithm: 'RSAES_OAEP_SHA_1',
        ciphertext,
      })
      expect(Buffer.from(plaintext).toString()).toBe('secret')
    }
    expect(provider.stats().openSessions).toBe(1)
  })

  it('an invalid signature does not poison the session either', async () => {
    const key = await provider.createKey({ alias: `tpm-ec-${Date.now()}`, keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const { signature } = await provider.signByAsymmetricKey({
      keyId: key.keyId,
      algorithm: 'ECC_P256_R1',
      message: Buffer.from('m'),
    })
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'ECC_P256_R1',
          message: Buffer.from('other'),
          signature,
        })
      ).signatureValid,
    ).toBe(false)
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'ECC_P256_R1',
          message: Buffer.from('m'),
          signature,
        })
      ).signatureValid,
    ).toBe(true)
  })
})

describe('envelope encryption over a token without symmetric keys', () => {
  it("an AsymmetricMasterKey on the TPM's RSA key: data keys from the TPM's RNG, sealed to its public key, opened in the TPM", async () => {
    const key = await provider.createKey({ alias: `tpm-env-${Date.now()}`, keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const client = new EnvelopeClient({
      keyring: new Keyring([new AsymmetricMasterKey({ provider, keyId: key.keyId })]),
    })
    const document = randomBytes(100_000)
    const message = await client.encrypt(document, { encryptionContext: { file: 'scan.pdf' } })
    expect(
      Buffer.from((await client.decrypt(message, { encryptionContext: { file: 'scan.pdf' } })).plaintext).equals(
        document,
      ),
    ).toBe(true)
  })
})
