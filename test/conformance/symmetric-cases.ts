import { describe, expect, it } from 'vitest'
import type { SymmetricKeySpec } from '@keyward/core'
import { expectDecryptionFailed, expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')

/** Encrypt / Decrypt / ReEncrypt for every supported symmetric spec, with EncryptionContext binding. */
export function symmetricCases(ctx: SuiteContext): void {
  if (!ctx.supportsUsage('ENCRYPT_DECRYPT')) return
  for (const spec of ctx.expected.symmetricKeySpecs) specCases(ctx, spec)
  reEncryptAcrossKeys(ctx)
}

function specCases(ctx: SuiteContext, spec: SymmetricKeySpec): void {
  const p = () => ctx.provider
  const key = () => ctx.sharedKey('ENCRYPT_DECRYPT', spec)

  describe(`Encrypt/Decrypt with ${spec}`, () => {
    it(`a ${spec} key reports its spec`, async () => {
      expect((await key()).keySpec).toBe(spec)
    })

    it('round-trips 1, 32 and 4096 bytes and names the key', async () => {
      const { keyId } = await key()
      for (const size of [1, 32, 4096]) {
        const plaintext = Buffer.alloc(size, size % 251)
        const enc = await p().encrypt({ keyId, plaintext })
        expect(enc.keyId).toBe(keyId)
        expect(typeof enc.ciphertextBlob).toBe('string')
        const dec = await p().decrypt({ ciphertextBlob: enc.ciphertextBlob })
        expect(dec.keyId).toBe(keyId)
        expect(Buffer.from(dec.plaintext).equals(plaintext)).toBe(true)
      }
    })

    it('encrypting the same plaintext twice gives different ciphertexts', async () => {
      const { keyId } = await key()
      const a = await p().encrypt({ keyId, plaintext: Buffer.from('same') })
      const b = await p().encrypt({ keyId, plaintext: Buffer.from('same') })
      expect(a.ciphertextBlob).not.toBe(b.ciphertextBlob)
    })

    it('the blob does not contain the plaintext', async () => {
      const { keyId } = await key()
      const plaintext = Buffer.from('4111111111111111-visible-marker')
      const { ciphertextBlob } = await p().encrypt({ keyId, plaintext })
      expect(Buffer.from(ciphertextBlob, 'base64').includes(plaintext)).toBe(false)
      expect(ciphertextBlob.includes(plaintext.toString())).toBe(false)
    })

    it('EncryptionContext is bound: same context (any key order) decrypts; missing, wrong or extra fails', async () => {
      const { keyId } = await key()
      const context = { tenant: 't1', table: 'orders' }
      const { ciphertextBlob } = await p().encrypt({
        keyId,
        plaintext: Buffer.from('bound'),
        encryptionContext: context,
      })
      expect(
        text((await p().decrypt({ ciphertextBlob, encryptionContext: { table: 'orders', tenant: 't1' } })).plaintext),
      ).toBe('bound')
      await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob }))
      await expectDecryptionFailed(() =>
        p().decrypt({ ciphertextBlob, encryptionContext: { tenant: 't2', table: 'orders' } }),
      )
      await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob, encryptionContext: { tenant: 't1' } }))
      await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob, encryptionContext: { ...context, extra: 'x' } }))
    })

    it('a blob made without context does not decrypt with one', async () => {
      const { keyId } = await key()
      const { ciphertextBlob } = await p().encrypt({ keyId, plaintext: Buffer.from('free') })
      await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob, encryptionContext: { any: 'x' } }))
      expect(text((await p().decrypt({ ciphertextBlob, encryptionContext: {} })).plaintext)).toBe('free')
    })

    it('ReEncrypt to the same key gives a fresh blob; with a new context, only the new context decrypts it', async () => {
      const { keyId } = await key()
      const { ciphertextBlob } = await p().encrypt({
        keyId,
        plaintext: Buffer.from('move me'),
        encryptionContext: { v: '1' },
      })
      const re = await p().reEncrypt({
        ciphertextBlob,
        sourceEncryptionContext: { v: '1' },
        destinationEncryptionContext: { v: '2' },
      })
      expect(re).toMatchObject({ keyId, sourceKeyId: keyId, reEncrypted: true })
      expect(re.ciphertextBlob).not.toBe(ciphertextBlob)
      expect(
        text((await p().decrypt({ ciphertextBlob: re.ciphertextBlob, encryptionContext: { v: '2' } })).plaintext),
      ).toBe('move me')
      await expectDecryptionFailed(() =>
        p().decrypt({ ciphertextBlob: re.ciphertextBlob, encryptionContext: { v: '1' } }),
      )
    })

    it('ReEncrypt with the wrong source context fails as a decryption failure', async () => {
      const { keyId } = await key()
      const { ciphertextBlob } = await p().encrypt({
        keyId,
        plaintext: Buffer.from('x'),
        encryptionContext: { v: '1' },
      })
      await expectDecryptionFailed(() => p().reEncrypt({ ciphertextBlob, sourceEncryptionContext: { v: 'other' } }))
      await expectDecryptionFailed(() => p().reEncrypt({ ciphertextBlob }))
    })
  })
}

function reEncryptAcrossKeys(ctx: SuiteContext): void {
  const specs = ctx.expected.symmetricKeySpecs
  describe('ReEncrypt to another key', () => {
    it(`moves a ciphertext from ${specs[0]} to ${specs[specs.length - 1]} key; the source context no longer applies`, async () => {
      const source = await ctx.createKey({ keySpec: specs[0] })
      const destination = await ctx.createKey({ keySpec: specs[specs.length - 1] })
      const { ciphertextBlob } = await ctx.provider.encrypt({
        keyId: source.keyId,
        plaintext: Buffer.from('relocated'),
        encryptionContext: { a: '1' },
      })
      const re = await ctx.provider.reEncrypt({
        ciphertextBlob,
        destinationKeyId: destination.keyId,
        sourceEncryptionContext: { a: '1' },
      })
      expect(re).toMatchObject({ keyId: destination.keyId, sourceKeyId: source.keyId, reEncrypted: true })
      const dec = await ctx.provider.decrypt({ ciphertextBlob: re.ciphertextBlob })
      expect(dec.keyId).toBe(destination.keyId)
      expect(text(dec.plaintext)).toBe('relocated')
      // The destination blob does not depend on the source key: disabling the source leaves it decryptable.
      await ctx.provider.disableKey(source.keyId)
      expect(text((await ctx.provider.decrypt({ ciphertextBlob: re.ciphertextBlob })).plaintext)).toBe('relocated')
    })

    it('refuses to re-encrypt under a disabled source key', async () => {
      const source = await ctx.createKey({ keySpec: specs[0] })
      const { ciphertextBlob } = await ctx.provider.encrypt({ keyId: source.keyId, plaintext: Buffer.from('x') })
      await ctx.provider.disableKey(source.keyId)
      await expectKeywardError(() => ctx.provider.reEncrypt({ ciphertextBlob }), 'ResourceUnavailable.CmkDisabled')
    })

    const asymmetric = ctx.expected.keyUsages.find((u) => u !== 'ENCRYPT_DECRYPT')
    if (asymmetric) {
      it(`refuses an asymmetric destination key (${asymmetric})`, async () => {
        const source = await ctx.sharedKey('ENCRYPT_DECRYPT', specs[0])
        const dest = await ctx.sharedKey(asymmetric)
        const { ciphertextBlob } = await ctx.provider.encrypt({ keyId: source.keyId, plaintext: Buffer.from('x') })
        await expectKeywardError(
          () => ctx.provider.reEncrypt({ ciphertextBlob, destinationKeyId: dest.keyId }),
          'UnsupportedOperation.UnsupportedKeyUsage',
        )
      })
    }

    it('refuses a destination key that is disabled or unknown', async () => {
      const source = await ctx.sharedKey('ENCRYPT_DECRYPT', specs[0])
      const dest = await ctx.createKey()
      await ctx.provider.disableKey(dest.keyId)
      const { ciphertextBlob } = await ctx.provider.encrypt({ keyId: source.keyId, plaintext: Buffer.from('x') })
      await expectKeywardError(
        () => ctx.provider.reEncrypt({ ciphertextBlob, destinationKeyId: dest.keyId }),
        'ResourceUnavailable.CmkDisabled',
      )
      await expectKeywardError(
        () => ctx.provider.reEncrypt({ ciphertextBlob, destinationKeyId: '00000000-0000-4000-8000-000000000000' }),
        'ResourceUnavailable.CmkNotFound',
      )
    })
  })
}
