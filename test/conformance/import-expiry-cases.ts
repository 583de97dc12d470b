import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'
import { ImportSteps } from './import-support.js'
import { wrapMaterial } from './local-crypto.js'

/** BYOK with time travel: import tokens expire after 24 h; material expires at ValidTo. Needs the provider's clock. */
export function importExpiryCases(ctx: SuiteContext): void {
  const clock = ctx.clock
  if (!clock || ctx.expected.wrappingAlgorithms.length === 0 || !ctx.supportsUsage('ENCRYPT_DECRYPT')) return
  const p = () => ctx.provider
  const steps = new ImportSteps(ctx)
  const algorithm = steps.defaultWrapping

  describe('BYOK expiry [time travel]', () => {
    it('an import token expires after 24 h', async () => {
      const key = await steps.external()
      const params = await p().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: algorithm })
      clock.set(params.parametersValidTo * 1000 + 1000)
      await steps.refusedUnchanged(
        key,
        () =>
          p().importKeyMaterial({
            keyId: key.keyId,
            importToken: params.importToken,
            encryptedKeyMaterial: wrapMaterial(params.publicKey, algorithm, randomBytes(32)),
          }),
        'ResourceUnavailable.TokenExpired',
      )
    })

    it('after ValidTo the key is PendingImport and its ciphertexts are refused; only identical material restores them', async () => {
      const key = await steps.external()
      const material = randomBytes(32)
      const validTo = ctx.nowSeconds() + 3600
      await steps.importMaterial(key.keyId, material, validTo)
      expect(await p().describeKey(key.keyId)).toMatchObject({ keyState: 'Enabled', validTo })
      const { ciphertextBlob } = await p().encrypt({ keyId: key.keyId, plaintext: Buffer.from('until ValidTo') })
      clock.set(validTo * 1000 - 1000)
      expect((await p().describeKey(key.keyId)).keyState).toBe('Enabled')
      clock.set(validTo * 1000 + 1000)
      expect((await p().describeKey(key.keyId)).keyState).toBe('PendingImport')
      await expectKeywardError(() => p().decrypt({ ciphertextBlob }), 'ResourceUnavailable.CmkStateNotSupport')
      await steps.refusedUnchanged(
        key,
        () => steps.importMaterial(key.keyId, randomBytes(32)),
        'InvalidParameterValue.MaterialNotMatch',
      )
      await steps.importMaterial(key.keyId, material)
      expect(await p().describeKey(key.keyId)).toMatchObject({ keyState: 'Enabled', validTo: 0 })
      expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('until ValidTo')
    })
  })
}
