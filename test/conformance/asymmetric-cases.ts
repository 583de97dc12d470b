import { describe, expect, it } from 'vitest'
import { KEY_USAGE_TABLE, type KeyUsage, type RsaEncryptionAlgorithm } from '@keyward/core'
import { expectDecryptionFailed, expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'
import { parsePublicKey, rsaOaepEncrypt } from './local-crypto.js'
import { sm2Encrypt, sm2Point } from './sm2-oracle.js'

const ASYMMETRIC_USAGES = [
  'ASYMMETRIC_DECRYPT_RSA_2048',
  'ASYMMETRIC_DECRYPT_SM2',
  'ASYMMETRIC_SIGN_VERIFY_SM2',
  'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
  'ASYMMETRIC_SIGN_VERIFY_ECC',
] as const

/** What node:crypto must see in the SPKI of each usage. */
function expectKeyShape(usage: KeyUsage, res: Awaited<ReturnType<typeof parsePublicKey>>): void {
  const spec = KEY_USAGE_TABLE[usage].keySpec
  if (spec === 'RSA_2048') {
    expect(res.key.asymmetricKeyType).toBe('rsa')
    expect(res.key.asymmetricKeyDetails?.modulusLength).toBe(2048)
  } else if (spec === 'ECC_P256') {
    expect(res.key.asymmetricKeyType).toBe('ec')
    expect(res.key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
  } else {
    const point = sm2Point(res.der)
    expect(point).toHaveLength(65)
    expect(point[0]).toBe(4)
  }
}

/** GetPublicKey for every asymmetric usage; AsymmetricRsaDecrypt / AsymmetricSm2Decrypt of ciphertexts made outside. */
export function asymmetricCases(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const usages = ASYMMETRIC_USAGES.filter((u) => ctx.supportsUsage(u))

  describe('GetPublicKey', () => {
    for (const usage of usages) {
      it(`${usage}: DER and PEM are the same public key and parse independently`, async () => {
        const key = await ctx.sharedKey(usage)
        const res = await p().getPublicKey(key.keyId)
        expect(res.keyId).toBe(key.keyId)
        expect(res.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/)
        expectKeyShape(usage, parsePublicKey(res))
      })
    }
    if (ctx.supportsUsage('ENCRYPT_DECRYPT')) {
      it('a symmetric key has no public key (UnsupportedKeyUsage)', async () => {
        const key = await ctx.sharedKey('ENCRYPT_DECRYPT')
        await expectKeywardError(() => p().getPublicKey(key.keyId), 'UnsupportedOperation.UnsupportedKeyUsage')
      })
    }
  })

  if (ctx.supportsUsage('ASYMMETRIC_DECRYPT_RSA_2048')) rsaDecryptCases(ctx)
  if (ctx.supportsUsage('ASYMMETRIC_DECRYPT_SM2')) sm2DecryptCases(ctx)
}

function rsaDecryptCases(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const key = () => ctx.sharedKey('ASYMMETRIC_DECRYPT_RSA_2048')
  const publicKey = async () => parsePublicKey(await p().getPublicKey((await key()).keyId)).key
  const algorithms = KEY_USAGE_TABLE.ASYMMETRIC_DECRYPT_RSA_2048.encryptionAlgorithms.filter(
    (a): a is RsaEncryptionAlgorithm => a !== 'SM2' && ctx.expected.asymmetricDecryptAlgorithms.includes(a),
  )

  describe('AsymmetricRsaDecrypt', () => {
    const maxPlaintext: Record<RsaEncryptionAlgorithm, number> = { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 }
    for (const algorithm of algorithms) {
      it(`${algorithm}: decrypts what node:crypto publicEncrypt made (1 byte and the maximum)`, async () => {
        const { keyId } = await key()
        const pub = await publicKey()
        for (const size of [1, 32, maxPlaintext[algorithm]]) {
          const plaintext = Buffer.alloc(size, 0x5a)
          const res = await p().asymmetricRsaDecrypt({
            keyId,
            algorithm,
            ciphertext: rsaOaepEncrypt(pub, algorithm, plaintext),
          })
          expect(res.keyId).toBe(keyId)
          expect(Buffer.from(res.plaintext).equals(plaintext)).toBe(true)
        }
      })

      it(`${algorithm}: a bit-flipped ciphertext is a decryption failure`, async () => {
        const { keyId } = await key()
        const ciphertext = rsaOaepEncrypt(await publicKey(), algorithm, Buffer.from('secret'))
        ciphertext[100]! ^= 0x01
        await expectDecryptionFailed(() => p().asymmetricRsaDecrypt({ keyId, algorithm, ciphertext }))
      })
    }

    if (algorithms.length === 2) {
      it('a ciphertext made with one OAEP hash does not decrypt with the other', async () => {
        const { keyId } = await key()
        const ciphertext = rsaOaepEncrypt(await publicKey(), 'RSAES_OAEP_SHA_1', Buffer.from('secret'))
        await expectDecryptionFailed(() =>
          p().asymmetricRsaDecrypt({ keyId, algorithm: 'RSAES_OAEP_SHA_256', ciphertext }),
        )
      })
    }

    it('refuses a ciphertext that is not 256 bytes, an unknown algorithm and a non-RSA key', async () => {
      const { keyId } = await key()
      const algorithm = algorithms[0] ?? 'RSAES_OAEP_SHA_256'
      await expectKeywardError(
        () => p().asymmetricRsaDecrypt({ keyId, algorithm, ciphertext: Buffer.alloc(255, 1) }),
        ['InvalidParameterValue', 'InvalidParameterValue.InvalidCiphertext'],
      )
      await expectKeywardError(
        () =>
          p().asymmetricRsaDecrypt({ keyId, algorithm: 'RSAES_PKCS1_V1_5' as never, ciphertext: Buffer.alloc(256, 1) }),
        'InvalidParameterValue',
      )
      if (ctx.supportsUsage('ENCRYPT_DECRYPT')) {
        const sym = await ctx.sharedKey('ENCRYPT_DECRYPT')
        await expectKeywardError(
          () => p().asymmetricRsaDecrypt({ keyId: sym.keyId, algorithm, ciphertext: Buffer.alloc(256, 1) }),
          'UnsupportedOperation.UnsupportedKeyUsage',
        )
      }
    })
  })
}

function sm2DecryptCases(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const key = () => ctx.sharedKey('ASYMMETRIC_DECRYPT_SM2')
  const spki = async () => parsePublicKey(await p().getPublicKey((await key()).keyId)).der

  describe('AsymmetricSm2Decrypt', () => {
    it('decrypts what @keyward/gm sm2Encrypt made (1 to 140 bytes: the DER ciphertext stays within 256 bytes)', async () => {
      const { keyId } = await key()
      const der = await spki()
      for (const size of [1, 32, 140]) {
        const plaintext = Buffer.alloc(size, 0x33)
        const res = await p().asymmetricSm2Decrypt({ keyId, ciphertext: sm2Encrypt(der, plaintext) })
        expect(res.keyId).toBe(keyId)
        expect(Buffer.from(res.plaintext).equals(plaintext)).toBe(true)
      }
    })

    it('a bit-flipped SM2 ciphertext is a decryption failure', async () => {
      const { keyId } = await key()
      const ciphertext = Buffer.from(sm2Encrypt(await spki(), Buffer.from('secret')))
      ciphertext[ciphertext.length - 1]! ^= 0x01
      await expectDecryptionFailed(() => p().asymmetricSm2Decrypt({ keyId, ciphertext }))
    })

    it('refuses ciphertexts over 256 bytes and keys of another usage', async () => {
      const { keyId } = await key()
      await expectKeywardError(
        () => p().asymmetricSm2Decrypt({ keyId, ciphertext: Buffer.alloc(257, 4) }),
        'InvalidParameterValue',
      )
      if (ctx.supportsUsage('ASYMMETRIC_SIGN_VERIFY_SM2')) {
        const signKey = await ctx.sharedKey('ASYMMETRIC_SIGN_VERIFY_SM2')
        const ciphertext = sm2Encrypt(parsePublicKey(await p().getPublicKey(signKey.keyId)).der, Buffer.from('x'))
        await expectKeywardError(
          () => p().asymmetricSm2Decrypt({ keyId: signKey.keyId, ciphertext }),
          'UnsupportedOperation.UnsupportedKeyUsage',
        )
      }
    })
  })
}
