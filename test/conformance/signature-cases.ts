import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SIGN_ALGORITHM_TABLE, type SignAlgorithm } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'
import { messageDigest, parsePublicKey, verifyLocally } from './local-crypto.js'
import { sm2VerifyDigest } from './sm2-oracle.js'

/**
 * SignByAsymmetricKey / VerifyByAsymmetricKey for every supported algorithm: signatures verified by node:crypto
 * (RSA, ECDSA) and @keyward/gm (SM2), RAW and DIGEST equivalent, verification true and false.
 */
export function signatureCases(ctx: SuiteContext): void {
  const algorithms = ctx.expected.signAlgorithms.filter((a) => ctx.supportsUsage(SIGN_ALGORITHM_TABLE[a].usage))
  for (const algorithm of algorithms) algorithmCases(ctx, algorithm)
  if (algorithms.length > 0) badSignInput(ctx, algorithms[0]!)
}

function algorithmCases(ctx: SuiteContext, algorithm: SignAlgorithm): void {
  const p = () => ctx.provider
  const usage = SIGN_ALGORITHM_TABLE[algorithm].usage
  const setup = async () => {
    const key = await ctx.sharedKey(usage)
    return { keyId: key.keyId, der: parsePublicKey(await p().getPublicKey(key.keyId)).der }
  }

  describe(`signatures with ${algorithm}`, () => {
    it('a RAW signature (1, 100 and 4096 bytes) verifies independently', async () => {
      const { keyId, der } = await setup()
      for (const size of [1, 100, 4096]) {
        const message = randomBytes(size)
        const { signature } = await p().signByAsymmetricKey({ keyId, algorithm, message, messageType: 'RAW' })
        expect(verifyLocally(algorithm, der, message, signature)).toBe(true)
        expect(verifyLocally(algorithm, der, Buffer.concat([message, Buffer.from('!')]), signature)).toBe(false)
      }
    })

    it('MessageType defaults to RAW', async () => {
      const { keyId, der } = await setup()
      const message = Buffer.from('default raw')
      const { signature } = await p().signByAsymmetricKey({ keyId, algorithm, message })
      expect(verifyLocally(algorithm, der, message, signature)).toBe(true)
    })

    it('a DIGEST signature over the message digest verifies as a signature over the message', async () => {
      const { keyId, der } = await setup()
      const message = Buffer.from('contract #42, amount 1,000,000 CNY')
      const digest = messageDigest(algorithm, der, message)
      const { signature } = await p().signByAsymmetricKey({ keyId, algorithm, message: digest, messageType: 'DIGEST' })
      expect(verifyLocally(algorithm, der, message, signature)).toBe(true)
      if (algorithm === 'SM2DSA') expect(sm2VerifyDigest(der, digest, signature)).toBe(true)
    })

    it("VerifyByAsymmetricKey: RAW and DIGEST accept each other's signatures", async () => {
      const { keyId, der } = await setup()
      const message = Buffer.from('cross-check')
      const digest = messageDigest(algorithm, der, message)
      const raw = await p().signByAsymmetricKey({ keyId, algorithm, message, messageType: 'RAW' })
      const dig = await p().signByAsymmetricKey({ keyId, algorithm, message: digest, messageType: 'DIGEST' })
      for (const signature of [raw.signature, dig.signature]) {
        expect(await p().verifyByAsymmetricKey({ keyId, algorithm, message, messageType: 'RAW', signature })).toEqual({
          signatureValid: true,
        })
        expect(
          await p().verifyByAsymmetricKey({ keyId, algorithm, message: digest, messageType: 'DIGEST', signature }),
        ).toEqual({ signatureValid: true })
      }
    })

    it('VerifyByAsymmetricKey is false for another message, a flipped bit and garbage', async () => {
      const { keyId } = await setup()
      const message = Buffer.from('signed')
      const { signature } = await p().signByAsymmetricKey({ keyId, algorithm, message })
      const flipped = Buffer.from(signature)
      flipped[flipped.length - 5]! ^= 0x10
      const invalid = [
        { message: Buffer.from('signeD'), signature },
        { message, signature: flipped },
        { message, signature: Buffer.alloc(signature.length, 0x30) },
        { message, signature: Buffer.from([0x30, 0x00]) },
      ]
      for (const v of invalid) {
        expect(await p().verifyByAsymmetricKey({ keyId, algorithm, ...v })).toEqual({ signatureValid: false })
      }
    })

    if (usage === 'ASYMMETRIC_SIGN_VERIFY_RSA_2048') {
      it('an RSA signature must be exactly k octets: one with its leading zero octet stripped is false (RFC 8017)', async () => {
        const { keyId } = await setup()
        // About 1 in 256 signatures starts with 0x00; OpenSSL's PSS path alone would accept it without that octet.
        let found: { message: Buffer; signature: Uint8Array } | undefined
        for (let i = 0; i < 4000 && !found; i++) {
          const message = Buffer.from(`leading-zero-${i}`)
          const { signature } = await p().signByAsymmetricKey({ keyId, algorithm, message })
          if (signature[0] === 0) found = { message, signature }
        }
        expect(found, 'no signature with a leading zero octet in 4000 tries').toBeDefined()
        const { message, signature } = found!
        expect(await p().verifyByAsymmetricKey({ keyId, algorithm, message, signature })).toEqual({
          signatureValid: true,
        })
        expect(
          await p().verifyByAsymmetricKey({ keyId, algorithm, message, signature: signature.subarray(1) }),
        ).toEqual({ signatureValid: false })
      })
    }

    // RSA generation is slow: the other usages cover "another key's signature is false".
    if (usage !== 'ASYMMETRIC_SIGN_VERIFY_RSA_2048') {
      it('a signature by another key of the same usage does not verify', async () => {
        const { keyId } = await setup()
        const other = await ctx.createKey({ keyUsage: usage })
        const message = Buffer.from('who signed?')
        const { signature } = await p().signByAsymmetricKey({ keyId: other.keyId, algorithm, message })
        expect(await p().verifyByAsymmetricKey({ keyId, algorithm, message, signature })).toEqual({
          signatureValid: false,
        })
      })
    }
  })
}

function badSignInput(ctx: SuiteContext, algorithm: SignAlgorithm): void {
  const p = () => ctx.provider
  const usage = SIGN_ALGORITHM_TABLE[algorithm].usage
  describe('signature input checks', () => {
    it('RAW over 4096 bytes, DIGEST not 32 bytes, empty message: InvalidParameterValue', async () => {
      const { keyId } = await ctx.sharedKey(usage)
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm, message: Buffer.alloc(4097), messageType: 'RAW' }),
        'InvalidParameterValue',
      )
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm, message: Buffer.alloc(0) }),
        'InvalidParameterValue',
      )
      for (const n of [31, 33, 0]) {
        await expectKeywardError(
          () => p().signByAsymmetricKey({ keyId, algorithm, message: Buffer.alloc(n, 1), messageType: 'DIGEST' }),
          'InvalidParameterValue',
        )
      }
      await expectKeywardError(
        () =>
          p().verifyByAsymmetricKey({
            keyId,
            algorithm,
            message: Buffer.alloc(31),
            messageType: 'DIGEST',
            signature: Buffer.alloc(64),
          }),
        'InvalidParameterValue',
      )
    })

    it('unknown algorithm or message type: InvalidParameterValue; message not bytes: InvalidParameter', async () => {
      const { keyId } = await ctx.sharedKey(usage)
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm: 'RSA_MD5' as never, message: Buffer.from('m') }),
        'InvalidParameterValue',
      )
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm, message: Buffer.from('m'), messageType: 'HEX' as never }),
        'InvalidParameterValue',
      )
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm, message: 'text' as never }),
        'InvalidParameter',
      )
    })

    it('an algorithm of another usage, or a key of another kind, is refused', async () => {
      const { keyId } = await ctx.sharedKey(usage)
      const foreign = (['ECC_P256_R1', 'SM2DSA', 'RSA_PKCS1_SHA_256'] as const).find(
        (a) => SIGN_ALGORITHM_TABLE[a].usage !== usage,
      )!
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId, algorithm: foreign, message: Buffer.from('m') }),
        ['UnsupportedOperation.UnsupportedKeyUsage', 'UnsupportedOperation'],
      )
      if (ctx.supportsUsage('ENCRYPT_DECRYPT')) {
        const sym = await ctx.sharedKey('ENCRYPT_DECRYPT')
        await expectKeywardError(
          () => p().signByAsymmetricKey({ keyId: sym.keyId, algorithm, message: Buffer.from('m') }),
          'UnsupportedOperation.UnsupportedKeyUsage',
        )
        await expectKeywardError(
          () =>
            p().verifyByAsymmetricKey({
              keyId: sym.keyId,
              algorithm,
              message: Buffer.from('m'),
              signature: Buffer.alloc(64),
            }),
          'UnsupportedOperation.UnsupportedKeyUsage',
        )
      }
      const sign = await ctx.sharedKey(usage)
      await expectKeywardError(
        () => p().encrypt({ keyId: sign.keyId, plaintext: Buffer.from('m') }),
        'UnsupportedOperation.UnsupportedKeyUsage',
      )
      await expectKeywardError(
        () => p().generateDataKey({ keyId: sign.keyId }),
        'UnsupportedOperation.UnsupportedKeyUsage',
      )
    })
  })
}
