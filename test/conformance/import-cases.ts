import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  IMPORT_MATERIAL_BYTES,
  LIMITS,
  type KeyMetadata,
  type KeywardErrorCode,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'
import { ImportSteps, MATERIAL_REFUSED, TOKEN_REFUSED } from './import-support.js'
import { wrapMaterial } from './local-crypto.js'

/** BYOK (issue #7): CreateKey Type=2, GetParametersForImport, ImportKeyMaterial, refusals, deletion, re-import. */
export function importCases(ctx: SuiteContext): void {
  const wrapping = ctx.expected.wrappingAlgorithms
  if (wrapping.length === 0 || !ctx.supportsUsage('ENCRYPT_DECRYPT')) return
  const p = () => ctx.provider
  const steps = new ImportSteps(ctx)
  const { defaultWrapping } = steps
  const external = (spec?: SymmetricKeySpec) => steps.external(spec)
  const importMaterial = (keyId: string, material: Uint8Array, validTo?: number, algorithm?: WrappingAlgorithm) =>
    steps.importMaterial(keyId, material, validTo, algorithm)
  const refusedUnchanged = (
    key: KeyMetadata,
    call: () => Promise<unknown>,
    codes: KeywardErrorCode | readonly KeywardErrorCode[],
  ) => steps.refusedUnchanged(key, call, codes)

  describe('BYOK import', () => {
    it('CreateKey Type=2 makes an EXTERNAL key in PendingImport that cannot be used yet', async () => {
      const key = await external()
      expect(key).toMatchObject({ keyState: 'PendingImport', origin: 'EXTERNAL', type: 2, keyUsage: 'ENCRYPT_DECRYPT' })
      await expectKeywardError(
        () => p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') }),
        'ResourceUnavailable.CmkStateNotSupport',
      )
      expect((await p().listKeys({ searchKeyAlias: key.alias, origin: 'EXTERNAL' })).totalCount).toBe(1)
    })

    // One token per wrapping algorithm (each makes an RSA-2048 key pair); the specs take turns so that every
    // algorithm and every spec is imported at least once.
    const specs = ctx.expected.symmetricKeySpecs
    Array.from({ length: Math.max(wrapping.length, specs.length) }, (_, i) => i).forEach((i) => {
      const algorithm = wrapping[i % wrapping.length]!
      const spec = specs[i % specs.length]!
      it(`${algorithm}: an RSA-2048 wrapping key and a 24 h token; ${IMPORT_MATERIAL_BYTES[spec]}-byte ${spec} material imports and the key works`, async () => {
        const key = await external(spec)
        const now = ctx.nowSeconds()
        const params = await p().getParametersForImport({
          keyId: key.keyId,
          wrappingAlgorithm: algorithm,
          wrappingKeySpec: 'RSA_2048',
        })
        expect(params.keyId).toBe(key.keyId)
        expect(params.importToken.length).toBeGreaterThan(0)
        expect(Math.abs(params.parametersValidTo - (now + LIMITS.importTokenValiditySeconds))).toBeLessThanOrEqual(
          ctx.clock ? 0 : 5,
        )
        const encryptedKeyMaterial = wrapMaterial(params.publicKey, algorithm, randomBytes(IMPORT_MATERIAL_BYTES[spec]))
        expect(encryptedKeyMaterial).toHaveLength(256)
        await p().importKeyMaterial({ keyId: key.keyId, importToken: params.importToken, encryptedKeyMaterial })
        expect(await p().describeKey(key.keyId)).toMatchObject({
          keyState: 'Enabled',
          keySpec: spec,
          origin: 'EXTERNAL',
          validTo: 0,
        })
        const { ciphertextBlob } = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('imported') })
        expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('imported')
      })
    })

    it('only the newest token is valid: a superseded token is refused, the newest works', async () => {
      const key = await external()
      const material = randomBytes(32)
      const first = await p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: defaultWrapping })
      const second = await p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: defaultWrapping })
      expect(second.importToken).not.toBe(first.importToken)
      await refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: first.importToken,
            encryptedKeyMaterial: wrapMaterial(first.publicKey, defaultWrapping, material),
          }),
        TOKEN_REFUSED,
      )
      await p().importKeyMaterial({
        keyId: key.keyId,
        importToken: second.importToken,
        encryptedKeyMaterial: wrapMaterial(second.publicKey, defaultWrapping, material),
      })
      expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
    })

    it('CreateKey Type=2 with a chosen KeyId either takes it (and refuses one in use) or is UnsupportedOperation', async () => {
      // Shaped as a generated KeyId (a lower-case UUID), as every chosen KeyId must be.
      const keyId = randomUUID()
      let made: KeyMetadata | undefined
      try {
        made = await ctx.createKey({ type: 2, keyId })
      } catch (e) {
        await expectKeywardError(() => Promise.reject(e), 'UnsupportedOperation')
        return
      }
      // A provider that accepts the KeyId must honour it, never silently generate another.
      expect(made.keyId).toBe(keyId)
      expect((await p().describeKey(keyId)).keyState).toBe('PendingImport')
      await expectKeywardError(() => ctx.createKey({ type: 2, keyId }), 'InvalidParameterValue')
      await expectKeywardError(() => ctx.createKey({ keyId }), 'InvalidParameterValue')
      // A readable name cannot be reserved ahead of the migration that will need it.
      await expectKeywardError(() => ctx.createKey({ type: 2, keyId: 'orders' }), 'InvalidParameterValue.InvalidKeyId')
    })

    it('a token of another key is refused', async () => {
      const key = await external()
      const other = await external()
      const params = await p().getParametersForImport({ keyId: other.keyId, wrappingAlgorithm: defaultWrapping })
      await refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: params.importToken,
            encryptedKeyMaterial: wrapMaterial(params.publicKey, defaultWrapping, randomBytes(32)),
          }),
        TOKEN_REFUSED,
      )
      await refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: 'not-a-token',
            encryptedKeyMaterial: wrapMaterial(params.publicKey, defaultWrapping, randomBytes(32)),
          }),
        TOKEN_REFUSED,
      )
    })

    it('material of the wrong length is refused', async () => {
      for (const spec of ctx.expected.symmetricKeySpecs) {
        const key = await external(spec)
        // A refused import leaves the key, and its token, as they were: one token serves every attempt.
        const params = await p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: defaultWrapping })
        for (const length of [IMPORT_MATERIAL_BYTES[spec] - 1, IMPORT_MATERIAL_BYTES[spec] + 1, 1]) {
          await refusedUnchanged(
            key,
            () =>
              p().importKeyMaterial({
                keyId: key.keyId,
                importToken: params.importToken,
                encryptedKeyMaterial: wrapMaterial(params.publicKey, defaultWrapping, randomBytes(length)),
              }),
            MATERIAL_REFUSED,
          )
        }
      }
    })

    it('truncated, bit-flipped or empty wrapped material is refused', async () => {
      const key = await external()
      const params = await p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: defaultWrapping })
      const wrapped = wrapMaterial(params.publicKey, defaultWrapping, randomBytes(32))
      const flipped = Buffer.from(wrapped)
      flipped[128]! ^= 0x04
      for (const encryptedKeyMaterial of [wrapped.subarray(0, 255), wrapped.subarray(0, 128), flipped]) {
        await refusedUnchanged(
          key,
          () => p().importKeyMaterial({ keyId: key.keyId, importToken: params.importToken, encryptedKeyMaterial }),
          MATERIAL_REFUSED,
        )
      }
      await refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: params.importToken,
            encryptedKeyMaterial: Buffer.alloc(0),
          }),
        [...MATERIAL_REFUSED, 'MissingParameter'],
      )
    })

    it('a ValidTo in the past is refused', async () => {
      const key = await external()
      await refusedUnchanged(
        key,
        () => importMaterial(key.keyId, randomBytes(32), ctx.nowSeconds() - 60),
        'InvalidParameterValue',
      )
    })

    it('a key that is not EXTERNAL takes no material (NotUserCreatedCmk)', async () => {
      const key = await ctx.createKey()
      await expectKeywardError(
        () => p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: defaultWrapping }),
        'UnsupportedOperation.NotUserCreatedCmk',
      )
      await expectKeywardError(() => p().deleteImportedKeyMaterial(key.keyId), 'UnsupportedOperation.NotUserCreatedCmk')
      const donor = await external()
      const params = await p().getParametersForImport({ keyId: donor.keyId, wrappingAlgorithm: defaultWrapping })
      await refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: params.importToken,
            encryptedKeyMaterial: wrapMaterial(params.publicKey, defaultWrapping, randomBytes(32)),
          }),
        'UnsupportedOperation.NotUserCreatedCmk',
      )
    })

    it('DeleteImportedKeyMaterial: PendingImport, old ciphertexts refused; identical material restores them, other material is refused', async () => {
      const key = await external()
      const material = randomBytes(32)
      await importMaterial(key.keyId, material)
      const { ciphertextBlob } = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('survives re-import') })
      await p().deleteImportedKeyMaterial(key.keyId)
      expect((await p().describeKey(key.keyId)).keyState).toBe('PendingImport')
      await expectKeywardError(() => p().decrypt({ ciphertextBlob }), 'ResourceUnavailable.CmkStateNotSupport')
      await refusedUnchanged(
        key,
        () => importMaterial(key.keyId, randomBytes(32)),
        'InvalidParameterValue.MaterialNotMatch',
      )
      await importMaterial(key.keyId, material)
      expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
      expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('survives re-import')
    })
  })
}
