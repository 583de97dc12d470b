import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { KEY_USAGE_TABLE } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

/** CreateKey, DescribeKey, ListKeys with filters and paging, aliases, descriptions, enable/disable, archive. */
export function lifecycleCases(ctx: SuiteContext): void {
  const p = () => ctx.provider

  describe('lifecycle', () => {
    it('CreateKey returns complete metadata that DescribeKey repeats', async () => {
      const before = ctx.nowSeconds()
      const alias = ctx.alias('meta')
      const key = await ctx.createKey({ alias, description: 'orders table' })
      expect(key).toMatchObject({
        alias,
        description: 'orders table',
        keyState: 'Enabled',
        keyUsage: ctx.defaultUsage,
        keySpec: KEY_USAGE_TABLE[ctx.defaultUsage].keySpec,
        origin: 'TENCENT_KMS',
        type: 1,
        deletionDate: 0,
        validTo: 0,
        keyRotationEnabled: false,
        keyVersionCount: 1,
        owner: 'user',
      })
      expect(key.keyId).toMatch(/^[A-Za-z0-9-]{1,128}$/)
      expect(key.createTime).toBeGreaterThanOrEqual(before - 1)
      expect(key.createTime).toBeLessThanOrEqual(ctx.nowSeconds() + 1)
      expect(await p().describeKey(key.keyId)).toEqual(key)
    })

    for (const usage of ctx.expected.keyUsages) {
      it(`CreateKey of usage ${usage} has the key spec of that usage`, async () => {
        const key = await ctx.sharedKey(usage)
        expect(key.keyUsage).toBe(usage)
        expect(key.keySpec).toBe(KEY_USAGE_TABLE[usage].keySpec)
        expect(key.keyState).toBe('Enabled')
      })
    }

    it('each key gets its own KeyId', async () => {
      const [a, b] = await Promise.all([ctx.createKey(), ctx.createKey()])
      expect(a?.keyId).not.toBe(b?.keyId)
    })

    it('DescribeKey of an unknown KeyId is CmkNotFound', async () => {
      await expectKeywardError(() => p().describeKey(randomUUID()), 'ResourceUnavailable.CmkNotFound')
    })

    it('aliases are unique: CreateKey and UpdateAlias refuse a taken alias', async () => {
      const a = await ctx.createKey()
      const b = await ctx.createKey()
      await expectKeywardError(() => ctx.createKey({ alias: a.alias }), 'InvalidParameterValue.AliasAlreadyExists')
      await expectKeywardError(() => p().updateAlias(b.keyId, a.alias), 'InvalidParameterValue.AliasAlreadyExists')
      expect((await p().describeKey(b.keyId)).alias).toBe(b.alias)
    })

    it('concurrent CreateKey with one alias: exactly one wins, the others get AliasAlreadyExists', async () => {
      const alias = ctx.alias('race')
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => ctx.createKey({ alias })))
      const won = results.filter((r) => r.status === 'fulfilled')
      expect(won).toHaveLength(1)
      for (const r of results) {
        if (r.status === 'rejected')
          await expectKeywardError(() => Promise.reject(r.reason), 'InvalidParameterValue.AliasAlreadyExists')
      }
      expect((await p().listKeys({ searchKeyAlias: alias })).totalCount).toBe(1)
    })

    it('a call whose AbortSignal is already aborted fails with FailedOperation.Aborted and does nothing', async () => {
      const alias = ctx.alias('aborted')
      const signal = AbortSignal.abort()
      await expectKeywardError(() => ctx.createKey({ alias }, { signal }), 'FailedOperation.Aborted')
      expect((await p().listKeys({ searchKeyAlias: alias })).totalCount).toBe(0)
      await expectKeywardError(() => p().generateRandom(8, { signal }), 'FailedOperation.Aborted')
    })

    it('UpdateAlias renames, and frees the old alias for another key', async () => {
      const key = await ctx.createKey()
      const renamed = ctx.alias('renamed')
      await p().updateAlias(key.keyId, renamed)
      expect((await p().describeKey(key.keyId)).alias).toBe(renamed)
      const reuse = await ctx.createKey({ alias: key.alias })
      expect(reuse.alias).toBe(key.alias)
    })

    it('alias rules: 1-60 of [A-Za-z0-9_-], not starting with KMS-', async () => {
      const sixty = `${ctx.runId}-${'a'.repeat(60)}`.slice(0, 60)
      expect((await ctx.createKey({ alias: sixty })).alias).toBe(sixty)
      for (const bad of [`${sixty}b`, 'has space', 'KMS-reserved', 'kms-reserved', 'dot.ted', '别名']) {
        await expectKeywardError(() => ctx.createKey({ alias: bad }), 'InvalidParameterValue.InvalidAlias')
      }
      await expectKeywardError(() => ctx.createKey({ alias: '' }), 'MissingParameter')
      const key = await ctx.createKey()
      await expectKeywardError(() => p().updateAlias(key.keyId, 'KMS-x'), 'InvalidParameterValue.InvalidAlias')
    })

    it('UpdateKeyDescription sets the description (0-1024 characters)', async () => {
      const key = await ctx.createKey()
      await p().updateKeyDescription(key.keyId, 'rotated quarterly')
      expect((await p().describeKey(key.keyId)).description).toBe('rotated quarterly')
      await p().updateKeyDescription(key.keyId, 'd'.repeat(1024))
      expect((await p().describeKey(key.keyId)).description).toHaveLength(1024)
      await expectKeywardError(() => p().updateKeyDescription(key.keyId, 'd'.repeat(1025)), 'InvalidParameterValue')
      await expectKeywardError(() => ctx.createKey({ description: 'd'.repeat(1025) }), 'InvalidParameterValue')
    })

    if (ctx.symmetric)
      it('DisableKey and EnableKey switch the state; a disabled key refuses to encrypt and decrypt', async () => {
        const key = await ctx.createKey()
        const { ciphertextBlob } = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') })
        await p().disableKey(key.keyId)
        expect((await p().describeKey(key.keyId)).keyState).toBe('Disabled')
        await expectKeywardError(
          () => p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') }),
          'ResourceUnavailable.CmkDisabled',
        )
        await expectKeywardError(() => p().decrypt({ ciphertextBlob }), 'ResourceUnavailable.CmkDisabled')
        await expectKeywardError(() => p().generateDataKey({ keyId: key.keyId }), 'ResourceUnavailable.CmkDisabled')
        await p().enableKey(key.keyId)
        expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
        expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('x')
      })

    if (ctx.symmetric)
      it('ArchiveKey: an archived key decrypts but refuses to encrypt; CancelKeyArchive enables it', async () => {
        const key = await ctx.createKey()
        const { ciphertextBlob } = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('kept') })
        await p().archiveKey(key.keyId)
        expect((await p().describeKey(key.keyId)).keyState).toBe('Archived')
        await expectKeywardError(
          () => p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') }),
          'ResourceUnavailable.CmkArchived',
        )
        await expectKeywardError(() => p().generateDataKey({ keyId: key.keyId }), 'ResourceUnavailable.CmkArchived')
        expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('kept')
        await p().cancelKeyArchive(key.keyId)
        expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
        await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') })
      })

    if (!ctx.symmetric)
      it(`ArchiveKey: an archived ${ctx.defaultUsage} key refuses to be used; CancelKeyArchive enables it`, async () => {
        const key = await ctx.createKey()
        await p().archiveKey(key.keyId)
        expect((await p().describeKey(key.keyId)).keyState).toBe('Archived')
        await expectKeywardError(() => p().getPublicKey(key.keyId), 'ResourceUnavailable.CmkArchived')
        await p().cancelKeyArchive(key.keyId)
        expect((await p().getPublicKey(key.keyId)).keyId).toBe(key.keyId)
      })

    const signUsage =
      ctx.expected.keyUsages.find((u) => u === 'ASYMMETRIC_SIGN_VERIFY_ECC') ??
      ctx.expected.keyUsages.find((u) => KEY_USAGE_TABLE[u].kind === 'sign-verify')
    const signAlgorithm =
      signUsage && KEY_USAGE_TABLE[signUsage].signAlgorithms.find((a) => ctx.expected.signAlgorithms.includes(a))
    if (signUsage && signAlgorithm) {
      it(`a disabled ${signUsage} key refuses to sign`, async () => {
        const key = await ctx.createKey({ keyUsage: signUsage })
        await p().disableKey(key.keyId)
        await expectKeywardError(
          () => p().signByAsymmetricKey({ keyId: key.keyId, algorithm: signAlgorithm, message: Buffer.from('m') }),
          'ResourceUnavailable.CmkDisabled',
        )
        await expectKeywardError(() => p().getPublicKey(key.keyId), 'ResourceUnavailable.CmkDisabled')
      })
    }
  })
}
