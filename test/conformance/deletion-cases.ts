import { describe, expect, it } from 'vitest'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

const DAY = 86_400

/** ScheduleKeyDeletion (7-30 days, key disabled first), CancelKeyDeletion, and the key gone after the window. */
export function deletionCases(ctx: SuiteContext): void {
  const p = () => ctx.provider

  /** A disabled key with, when keys encrypt, one ciphertext made while it was enabled. */
  const disabledKeyWithBlob = async () => {
    const key = await ctx.createKey()
    const ciphertextBlob = ctx.symmetric
      ? (await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('old') })).ciphertextBlob
      : undefined
    await p().disableKey(key.keyId)
    return { key, ciphertextBlob }
  }
  /** A use of the key: Encrypt, or GetPublicKey for asymmetric keys. */
  const use = (keyId: string) =>
    ctx.symmetric ? p().encrypt({ keyId, plaintext: Buffer.from('x') }) : p().getPublicKey(keyId)

  describe('key deletion', () => {
    it('refuses a pending window outside 7-30 days', async () => {
      const { key } = await disabledKeyWithBlob()
      for (const days of [6, 31, 0, -7, 7.5]) {
        await expectKeywardError(
          () => p().scheduleKeyDeletion(key.keyId, days),
          'InvalidParameter.InvalidPendingWindowInDays',
        )
      }
      expect((await p().describeKey(key.keyId)).keyState).toBe('Disabled')
    })

    it('refuses to schedule deletion of an enabled key (disable it first)', async () => {
      const key = await ctx.createKey()
      await expectKeywardError(() => p().scheduleKeyDeletion(key.keyId, 7), 'ResourceUnavailable.CmkShouldBeDisabled')
      expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
    })

    it('ScheduleKeyDeletion puts the key in PendingDelete with the deletion date; it refuses every use', async () => {
      const { key, ciphertextBlob } = await disabledKeyWithBlob()
      const now = ctx.nowSeconds()
      const { deletionDate } = await p().scheduleKeyDeletion(key.keyId, 30)
      expect(Math.abs(deletionDate - (now + 30 * DAY))).toBeLessThanOrEqual(ctx.clock ? 0 : 5)
      const meta = await p().describeKey(key.keyId)
      expect(meta.keyState).toBe('PendingDelete')
      expect(meta.deletionDate).toBe(deletionDate)
      if (ciphertextBlob)
        await expectKeywardError(() => p().decrypt({ ciphertextBlob }), 'ResourceUnavailable.CmkStateNotSupport')
      await expectKeywardError(() => use(key.keyId), 'ResourceUnavailable.CmkStateNotSupport')
      await expectKeywardError(() => p().enableKey(key.keyId), 'ResourceUnavailable.CmkStateNotSupport')
    })

    it('CancelKeyDeletion returns the key to Disabled with no deletion date; enabled again it works (decrypts)', async () => {
      const { key, ciphertextBlob } = await disabledKeyWithBlob()
      await p().scheduleKeyDeletion(key.keyId, 7)
      await p().cancelKeyDeletion(key.keyId)
      const meta = await p().describeKey(key.keyId)
      expect(meta.keyState).toBe('Disabled')
      expect(meta.deletionDate).toBe(0)
      await p().enableKey(key.keyId)
      if (ciphertextBlob) expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('old')
      else await use(key.keyId)
    })

    it('CancelKeyDeletion of a key not pending deletion is refused', async () => {
      const key = await ctx.createKey()
      await expectKeywardError(() => p().cancelKeyDeletion(key.keyId), 'ResourceUnavailable.CmkStateNotSupport')
    })

    if (ctx.clock) {
      const clock = ctx.clock
      it('[time travel] the key survives until the window ends, then it and its ciphertexts are gone', async () => {
        const { key, ciphertextBlob } = await disabledKeyWithBlob()
        const { deletionDate } = await p().scheduleKeyDeletion(key.keyId, 7)
        clock.set(deletionDate * 1000 - 1000)
        expect((await p().describeKey(key.keyId)).keyState).toBe('PendingDelete')
        clock.set(deletionDate * 1000 + 1000)
        await expectKeywardError(() => p().describeKey(key.keyId), 'ResourceUnavailable.CmkNotFound')
        const listed = await p().listKeys({ searchKeyAlias: key.alias })
        expect(listed.keys.map((k) => k.keyId)).not.toContain(key.keyId)
        if (ciphertextBlob)
          await expectKeywardError(
            () => p().decrypt({ ciphertextBlob }),
            ['ResourceUnavailable.CmkNotFound', 'InvalidParameterValue.InvalidCiphertext'],
          )
        await expectKeywardError(() => use(key.keyId), 'ResourceUnavailable.CmkNotFound')
        await expectKeywardError(() => p().cancelKeyDeletion(key.keyId), 'ResourceUnavailable.CmkNotFound')
        // The alias of a purged key is free again.
        expect((await ctx.createKey({ alias: key.alias })).alias).toBe(key.alias)
      })
    }
  })
}
