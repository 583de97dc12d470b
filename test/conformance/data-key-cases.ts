import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { expectDecryptionFailed, expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

/** GenerateDataKey (AES_128, AES_256, NumberOfBytes; the blob decrypts to the plaintext). */
export function dataKeyCases(ctx: SuiteContext): void {
  const p = () => ctx.provider

  if (ctx.supportsUsage('ENCRYPT_DECRYPT')) {
    describe('GenerateDataKey', () => {
      for (const spec of ctx.expected.symmetricKeySpecs) {
        it(`under a ${spec} key: AES_128 / AES_256 / default / NumberOfBytes give the right length; the blob decrypts to it`, async () => {
          const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT', spec)
          const cases = [
            { req: { keySpec: 'AES_128' as const }, length: 16 },
            { req: { keySpec: 'AES_256' as const }, length: 32 },
            { req: {}, length: 32 },
            { req: { numberOfBytes: 1 }, length: 1 },
            { req: { numberOfBytes: 1024 }, length: 1024 },
          ]
          for (const { req, length } of cases) {
            const dk = await p().generateDataKey({ keyId, ...req })
            expect(dk.keyId).toBe(keyId)
            expect(dk.plaintext).toHaveLength(length)
            const dec = await p().decrypt({ ciphertextBlob: dk.ciphertextBlob })
            expect(Buffer.from(dec.plaintext).equals(Buffer.from(dk.plaintext))).toBe(true)
            dk.dispose()
          }
        })
      }

      it('binds the EncryptionContext to the data key blob', async () => {
        const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
        const dk = await p().generateDataKey({ keyId, encryptionContext: { file: 'a.bin' } })
        const dec = await p().decrypt({ ciphertextBlob: dk.ciphertextBlob, encryptionContext: { file: 'a.bin' } })
        expect(Buffer.from(dec.plaintext).equals(Buffer.from(dk.plaintext))).toBe(true)
        await expectDecryptionFailed(() =>
          p().decrypt({ ciphertextBlob: dk.ciphertextBlob, encryptionContext: { file: 'b.bin' } }),
        )
        dk.dispose()
      })

      it('data keys are distinct, never print, and dispose() zeroes them', async () => {
        const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
        const a = await p().generateDataKey({ keyId })
        const b = await p().generateDataKey({ keyId })
        expect(Buffer.from(a.plaintext).equals(Buffer.from(b.plaintext))).toBe(false)
        const hex = Buffer.from(a.plaintext).toString('hex')
        const b64 = Buffer.from(a.plaintext).toString('base64')
        for (const shown of [JSON.stringify(a), inspect(a, { depth: 5 }), String(a)]) {
          expect(shown.includes(hex) || shown.includes(b64)).toBe(false)
        }
        a.dispose()
        expect(a.plaintext.every((x) => x === 0)).toBe(true)
        b.dispose()
      })

      it('refuses a bad KeySpec or NumberOfBytes outside 1-1024', async () => {
        const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
        await expectKeywardError(() => p().generateDataKey({ keyId, numberOfBytes: 0 }), 'InvalidParameterValue')
        await expectKeywardError(() => p().generateDataKey({ keyId, numberOfBytes: 1025 }), 'InvalidParameterValue')
        await expectKeywardError(() => p().generateDataKey({ keyId, numberOfBytes: 1.5 }), 'InvalidParameterValue')
        await expectKeywardError(
          () => p().generateDataKey({ keyId, keySpec: 'AES_512' as never }),
          'InvalidParameterValue',
        )
      })
    })
  }
}
