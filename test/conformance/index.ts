/**
 * @packageDocumentation
 * The one conformance suite every KeyProvider runs (software, PKCS#11, Tencent KMS through `keyward serve`,
 * the server). It uses only the KeyProvider contract, so a backend passes it by behaving like Tencent KMS, not
 * by sharing code with the suite. Outputs are verified independently (node:crypto, @keyward/gm), inputs for
 * decryption are made independently, and whatever the backend declares it cannot do must be refused with
 * `UnsupportedOperation`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { asymmetricCases } from './asymmetric-cases.js'
import { badInputCases } from './bad-input-cases.js'
import { capabilityCases } from './capability-cases.js'
import { dataKeyCases } from './data-key-cases.js'
import { deletionCases } from './deletion-cases.js'
import { expectKeywardError } from './expect-error.js'
import { SuiteContext, type ExpectedCapabilities, type ProviderFactory } from './harness.js'
import { importCases } from './import-cases.js'
import { importExpiryCases } from './import-expiry-cases.js'
import { lifecycleCases } from './lifecycle-cases.js'
import { listCases } from './list-cases.js'
import { rotationCases } from './rotation-cases.js'
import { signatureCases } from './signature-cases.js'
import { symmetricCases } from './symmetric-cases.js'

export type { ConformanceHarness, ExpectedCapabilities, ProviderFactory } from './harness.js'
export { FULL_CONTRACT } from './full-contract.js'
export { SuiteContext } from './harness.js'

/**
 * Registers the conformance suite for one provider. The factory runs once, when the suite is collected; its
 * provider is shared by every case (keys are reused where isolation allows, because RSA generation is slow)
 * and closed at the end. When the factory gives no ManualClock, the time-travel cases are not registered and
 * the suite's title says so.
 *
 * @example
 * ```ts
 * describeKeyProvider('software', async () => {
 *   const clock = new ManualClock()
 *   const provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)), clock })
 *   return { provider, clock, close: () => provider.close() }
 * }, {
 *   keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_SIGN_VERIFY_ECC'], symmetricKeySpecs: ['AES_256'],
 *   signAlgorithms: ['ECC_P256_R1'], asymmetricDecryptAlgorithms: [], wrappingAlgorithms: [], keyRotation: true,
 * })
 * ```
 */
export function describeKeyProvider(name: string, factory: ProviderFactory, expected: ExpectedCapabilities): void {
  describe(`KeyProvider conformance: ${name}`, async () => {
    const harness = await factory()
    const ctx = new SuiteContext(harness, expected)
    afterAll(() => harness.close())

    const title = ctx.clock
      ? 'all cases, with time travel'
      : 'time-travel cases NOT registered (the factory gave no ManualClock)'
    describe(title, () => {
      capabilityCases(ctx)
      lifecycleCases(ctx)
      listCases(ctx)
      deletionCases(ctx)
      rotationCases(ctx)
      symmetricCases(ctx)
      dataKeyCases(ctx)
      asymmetricCases(ctx)
      signatureCases(ctx)
      importCases(ctx)
      importExpiryCases(ctx)
      badInputCases(ctx)

      describe('close', () => {
        it('after close() every call fails with ProviderUnavailable', async () => {
          const key = await ctx.createKey()
          await ctx.provider.close()
          await expectKeywardError(() => ctx.provider.describeKey(key.keyId), 'FailedOperation.ProviderUnavailable')
          await expectKeywardError(() => ctx.provider.generateRandom(8), 'FailedOperation.ProviderUnavailable')
          expect(ctx.provider.name.length).toBeGreaterThan(0)
        })
      })
    })
  })
}
