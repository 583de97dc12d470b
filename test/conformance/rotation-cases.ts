import { describe, expect, it } from 'vitest'
import { decodeCiphertextBlob, KEY_USAGE_TABLE, type KeywardErrorCode } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

const DAY = 86_400
/** An asymmetric key cannot rotate: the provider can rotate, this key's usage cannot (either code says so). */
const KEY_CANNOT_ROTATE: readonly KeywardErrorCode[] = [
  'UnsupportedOperation.UnsupportedKeyUsage',
  'UnsupportedOperation',
]

/** Key version a blob names (blobs are self-describing: they carry key id and version). */
function versionOf(ciphertextBlob: string): number {
  return decodeCiphertextBlob(ciphertextBlob).keyVersion
}

/** Rotation: new versions encrypt, old ciphertexts keep decrypting, status reports it; automatic by date. */
export function rotationCases(ctx: SuiteContext): void {
  if (!ctx.expected.keyRotation) return
  const p = () => ctx.provider

  describe('key rotation', () => {
    it('a new key has rotation off and one version', async () => {
      const key = await ctx.createKey()
      expect(await p().getKeyRotationStatus(key.keyId)).toMatchObject({ keyRotationEnabled: false, keyVersionCount: 1 })
    })

    it('EnableKeyRotation sets the period and the next rotation date; DisableKeyRotation clears it', async () => {
      const key = await ctx.createKey()
      const now = ctx.nowSeconds()
      await p().enableKeyRotation(key.keyId, 30)
      const on = await p().getKeyRotationStatus(key.keyId)
      expect(on).toMatchObject({ keyRotationEnabled: true, rotateDays: 30 })
      expect(Math.abs(on.nextRotateTime - (now + 30 * DAY))).toBeLessThanOrEqual(ctx.clock ? 0 : 5)
      expect((await p().describeKey(key.keyId)).keyRotationEnabled).toBe(true)
      await p().disableKeyRotation(key.keyId)
      expect(await p().getKeyRotationStatus(key.keyId)).toMatchObject({ keyRotationEnabled: false, nextRotateTime: 0 })
    })

    it('EnableKeyRotation defaults to 365 days and refuses periods outside 7-365', async () => {
      const key = await ctx.createKey()
      await p().enableKeyRotation(key.keyId)
      expect((await p().getKeyRotationStatus(key.keyId)).rotateDays).toBe(365)
      for (const days of [6, 366, 10.5]) {
        await expectKeywardError(() => p().enableKeyRotation(key.keyId, days), 'InvalidParameterValue')
      }
    })

    for (const spec of ctx.expected.symmetricKeySpecs) {
      it(`RotateKey (${spec}): new ciphertexts use the new version, old ones still decrypt and re-encrypt`, async () => {
        const key = await ctx.createKey({ keySpec: spec })
        const old = await p().encrypt({
          keyId: key.keyId,
          plaintext: Buffer.from('v1 data'),
          encryptionContext: { t: '1' },
        })
        expect(versionOf(old.ciphertextBlob)).toBe(1)
        await p().rotateKey(key.keyId)
        const status = await p().getKeyRotationStatus(key.keyId)
        expect(status.keyVersionCount).toBe(2)
        expect(status.lastRotateTime).toBeGreaterThan(0)
        expect((await p().describeKey(key.keyId)).keyVersionCount).toBe(2)
        const fresh = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('v2 data') })
        expect(versionOf(fresh.ciphertextBlob)).toBe(2)
        const dk = await p().generateDataKey({ keyId: key.keyId })
        expect(versionOf(dk.ciphertextBlob)).toBe(2)
        dk.dispose()
        const back = await p().decrypt({ ciphertextBlob: old.ciphertextBlob, encryptionContext: { t: '1' } })
        expect(Buffer.from(back.plaintext).toString()).toBe('v1 data')
        const re = await p().reEncrypt({
          ciphertextBlob: old.ciphertextBlob,
          sourceEncryptionContext: { t: '1' },
          destinationEncryptionContext: { t: '1' },
        })
        expect(re.reEncrypted).toBe(true)
        expect(versionOf(re.ciphertextBlob)).toBe(2)
        const again = await p().decrypt({ ciphertextBlob: re.ciphertextBlob, encryptionContext: { t: '1' } })
        expect(Buffer.from(again.plaintext).toString()).toBe('v1 data')
      })
    }

    const asymmetric = ctx.expected.keyUsages.find(
      (u) =>
        KEY_USAGE_TABLE[u].kind !== 'symmetric' &&
        u !== 'ASYMMETRIC_DECRYPT_RSA_2048' &&
        u !== 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    )
    if (asymmetric) {
      it(`rotation applies to symmetric keys only (${asymmetric} refused)`, async () => {
        const key = await ctx.sharedKey(asymmetric)
        await expectKeywardError(() => p().enableKeyRotation(key.keyId, 30), KEY_CANNOT_ROTATE)
        await expectKeywardError(() => p().rotateKey(key.keyId), KEY_CANNOT_ROTATE)
        expect((await p().getKeyRotationStatus(key.keyId)).keyRotationEnabled).toBe(false)
      })
    }

    if (ctx.clock) {
      const clock = ctx.clock
      it('[time travel] an enabled rotation happens once its date passes; older ciphertexts still decrypt', async () => {
        const key = await ctx.createKey()
        const old = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('before') })
        await p().enableKeyRotation(key.keyId, 7)
        const { nextRotateTime } = await p().getKeyRotationStatus(key.keyId)
        clock.set(nextRotateTime * 1000 - 1000)
        expect((await p().getKeyRotationStatus(key.keyId)).keyVersionCount).toBe(1)
        clock.set(nextRotateTime * 1000 + 1000)
        const fresh = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('after') })
        expect(versionOf(fresh.ciphertextBlob)).toBe(2)
        const status = await p().getKeyRotationStatus(key.keyId)
        expect(status.keyVersionCount).toBe(2)
        expect(status.lastRotateTime).toBeGreaterThanOrEqual(nextRotateTime)
        expect(status.nextRotateTime).toBeGreaterThan(nextRotateTime)
        expect(Buffer.from((await p().decrypt({ ciphertextBlob: old.ciphertextBlob })).plaintext).toString()).toBe(
          'before',
        )
      })
    }
  })
}
