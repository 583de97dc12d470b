/**
 * Issue #2 part 7: what the software provider outputs, the openssl CLI accepts, and what the openssl CLI
 * makes, the software provider decrypts, exactly as Tencent's KMS documentation shows the commands.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, type KeyUsage, type SignAlgorithm } from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { OpensslWorkspace } from './openssl-cli.js'

let provider: SoftwareKeyProvider
let openssl: OpensslWorkspace
const keys = new Map<KeyUsage, { keyId: string; pem: string; der: Buffer }>()

/** One key per usage for the whole file (RSA generation is slow). */
async function key(usage: KeyUsage) {
  let k = keys.get(usage)
  if (!k) {
    const meta = await provider.createKey({
      alias: `openssl-${usage.toLowerCase().replace(/_/g, '-')}`,
      keyUsage: usage,
    })
    const pub = await provider.getPublicKey(meta.keyId)
    k = { keyId: meta.keyId, pem: pub.publicKeyPem, der: Buffer.from(pub.publicKey, 'base64') }
    keys.set(usage, k)
  }
  return k
}

beforeAll(async () => {
  openssl = new OpensslWorkspace() // fails loudly, with the install command, when openssl is missing
  provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
})
afterAll(async () => {
  await provider?.close()
  openssl?.remove()
})

/** The `openssl dgst` -sigopt flags of each algorithm, as in Tencent's signature guide. */
const DGST: Partial<Record<SignAlgorithm, { usage: KeyUsage; sigopts: string[] }>> = {
  RSA_PKCS1_SHA_256: { usage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', sigopts: [] },
  RSA_PSS_SHA_256: {
    usage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    sigopts: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:-1'],
  },
  ECC_P256_R1: { usage: 'ASYMMETRIC_SIGN_VERIFY_ECC', sigopts: [] },
}

describe('signatures verify with openssl', () => {
  for (const [algorithm, { usage, sigopts }] of Object.entries(DGST) as [
    SignAlgorithm,
    { usage: KeyUsage; sigopts: string[] },
  ][]) {
    it(`${algorithm}: RAW signature → openssl dgst -verify -sha256 ${sigopts.map((o) => `-sigopt ${o}`).join(' ')}`, async () => {
      const { keyId, pem } = await key(usage)
      const message = Buffer.from(`transfer 100 CNY to account 6222 (${algorithm})`)
      const { signature } = await provider.signByAsymmetricKey({ keyId, algorithm, message, messageType: 'RAW' })
      expect(openssl.dgstVerify(pem, message, signature, sigopts)).toBe(true)
      expect(openssl.dgstVerify(pem, Buffer.concat([message, Buffer.from('0')]), signature, sigopts)).toBe(false)
    })

    it(`${algorithm}: DIGEST of openssl dgst -sha256 -binary → signature openssl verifies over the message`, async () => {
      const { keyId, pem } = await key(usage)
      const message = randomBytes(10_000) // over the 4096-byte RAW limit: the DIGEST path is how it gets signed
      const digest = openssl.digest('sha256', message)
      const { signature } = await provider.signByAsymmetricKey({
        keyId,
        algorithm,
        message: digest,
        messageType: 'DIGEST',
      })
      expect(openssl.dgstVerify(pem, message, signature, sigopts)).toBe(true)
      expect(
        await provider.verifyByAsymmetricKey({ keyId, algorithm, message: digest, messageType: 'DIGEST', signature }),
      ).toEqual({ signatureValid: true })
    })
  }

  it('RSA_PSS_SHA_256 signatures use salt length = digest length (openssl rejects them with saltlen 20)', async () => {
    const { keyId, pem } = await key('ASYMMETRIC_SIGN_VERIFY_RSA_2048')
    const message = Buffer.from('salt length matters')
    const { signature } = await provider.signByAsymmetricKey({ keyId, algorithm: 'RSA_PSS_SHA_256', message })
    expect(openssl.dgstVerify(pem, message, signature, ['rsa_padding_mode:pss', 'rsa_pss_saltlen:20'])).toBe(false)
    expect(openssl.dgstVerify(pem, message, signature, ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'])).toBe(true)
  })

  it('SM2DSA: RAW signature → openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678', async () => {
    const { keyId, pem } = await key('ASYMMETRIC_SIGN_VERIFY_SM2')
    const message = Buffer.from('国密 SM2 签名 interop')
    const { signature } = await provider.signByAsymmetricKey({
      keyId,
      algorithm: 'SM2DSA',
      message,
      messageType: 'RAW',
    })
    expect(openssl.sm2Verify(pem, message, signature)).toBe(true)
    expect(openssl.sm2Verify(pem, Buffer.from('国密 SM2 签名 interoq'), signature)).toBe(false)
  })

  it('SM2DSA: DIGEST = SM3(Z‖M) computed with openssl dgst -sm3 → signature openssl verifies over M', async () => {
    const { keyId, pem, der } = await key('ASYMMETRIC_SIGN_VERIFY_SM2')
    const message = randomBytes(5000)
    const digest = openssl.sm2Digest(der, message)
    const { signature } = await provider.signByAsymmetricKey({
      keyId,
      algorithm: 'SM2DSA',
      message: digest,
      messageType: 'DIGEST',
    })
    expect(openssl.sm2Verify(pem, message, signature)).toBe(true)
  })
})

describe('openssl pkeyutl -encrypt output decrypts in the provider', () => {
  for (const md of ['sha256', 'sha1'] as const) {
    const algorithm = md === 'sha256' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1'
    it(`-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:${md} → AsymmetricRsaDecrypt ${algorithm}`, async () => {
      const { keyId, pem } = await key('ASYMMETRIC_DECRYPT_RSA_2048')
      const plaintext = randomBytes(32)
      const ciphertext = openssl.encrypt(pem, plaintext, ['rsa_padding_mode:oaep', `rsa_oaep_md:${md}`])
      expect(ciphertext).toHaveLength(256)
      const res = await provider.asymmetricRsaDecrypt({ keyId, algorithm, ciphertext })
      expect(Buffer.from(res.plaintext).equals(plaintext)).toBe(true)
    })
  }

  it('an OAEP-SHA-1 ciphertext is refused as RSAES_OAEP_SHA_256 (one fixed message)', async () => {
    const { keyId, pem } = await key('ASYMMETRIC_DECRYPT_RSA_2048')
    const ciphertext = openssl.encrypt(pem, Buffer.from('x'), ['rsa_padding_mode:oaep', 'rsa_oaep_md:sha1'])
    await expect(
      provider.asymmetricRsaDecrypt({ keyId, algorithm: 'RSAES_OAEP_SHA_256', ciphertext }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue.InvalidCiphertext' })
  })

  it('SM2: openssl pkeyutl -encrypt (ASN.1 C1C3C2) → AsymmetricSm2Decrypt, up to the 256-byte ciphertext limit', async () => {
    const { keyId, pem } = await key('ASYMMETRIC_DECRYPT_SM2')
    for (const size of [1, 16, 140]) {
      // Tencent caps SM2 ciphertexts at 256 bytes (DER), about 140 bytes of plaintext
      const plaintext = randomBytes(size)
      const ciphertext = openssl.encrypt(pem, plaintext)
      const res = await provider.asymmetricSm2Decrypt({ keyId, ciphertext })
      expect(Buffer.from(res.plaintext).equals(plaintext)).toBe(true)
    }
  })

  it('public keys from GetPublicKey load in openssl (PEM, and DER via -inform DER)', async () => {
    for (const usage of [
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_ECC',
      'ASYMMETRIC_SIGN_VERIFY_SM2',
    ] as const) {
      const { pem, der } = await key(usage)
      const text = openssl.pubkeyText(pem)
      expect(text).toMatch(
        usage === 'ASYMMETRIC_DECRYPT_RSA_2048' ? /Public-Key: \(2048 bit\)/ : /Public-Key: \(256 bit\)/,
      )
      expect(openssl.pubkeyDer(der).equals(der)).toBe(true)
    }
  })
})
