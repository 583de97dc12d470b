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
import { CASE_AREAS, SuiteContext, type CaseArea, type CaseRegistrar, type DerivedCapabilities, type ExpectedCapabilities, type ProviderFactory } from './harness.js'
import { importCases } from './import-cases.js'
import { importExpiryCases } from './import-expiry-cases.js'
import { lifecycleCases } from './lifecycle-cases.js'
import { listCases } from './list-cases.js'
import { rotationCases } from './rotation-cases.js'
import { signatureCases } from './signature-cases.js'
import { symmetricCases } from './symmetric-cases.js'

export type { ConformanceHarness, DerivedCapabilities, ExpectedCapabilities, ProviderFactory } from './harness.js'
export { CASE_AREAS, type CaseArea } from './harness.js'
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
const REGISTRARS: Readonly<Record<Exclude<CaseArea, 'close'>, CaseRegistrar>> = {
  capabilities: capabilityCases,
  lifecycle: lifecycleCases,
  list: listCases,
  deletion: deletionCases,
  rotation: rotationCases,
  symmetric: symmetricCases,
  'data-keys': dataKeyCases,
  asymmetric: asymmetricCases,
  signatures: signatureCases,
  import: importCases,
  'import-expiry': importExpiryCases,
  'bad-input': badInputCases,
}

/**
 * Like the first form, for a backend whose capabilities are read from what it is connected to (PKCS#11): the
 * suite runs with the map the provider derived, and asserts it holds at least `floor`, so a broken derivation
 * cannot pass by declaring nothing. `areas` names a smaller default subset for a slow backend (never a skip:
 * the title lists what runs).
 */
export function describeKeyProvider(name: string, factory: ProviderFactory, expected: ExpectedCapabilities | DerivedCapabilities): void {
  describe(`KeyProvider conformance: ${name}`, async () => {
    const harness = await factory()
    const derived = 'floor' in expected
    const caps = derived ? harness.provider.capabilities : expected
    const ctx = new SuiteContext(harness, caps, derived ? expected.floor : undefined)
    const areas: readonly CaseArea[] = (derived && expected.areas) || CASE_AREAS
    afterAll(() => harness.close())

    const scope = areas.length === CASE_AREAS.length ? 'all cases' : `the named subset ${areas.join(', ')}`
    const title = ctx.clock
      ? `${scope}, with time travel`
      : `${scope}; time-travel cases NOT registered (the factory gave no ManualClock)`
    describe(title, () => {
      for (const area of areas) if (area !== 'close') REGISTRARS[area](ctx)

      if (areas.includes('close')) describe('close', () => {
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
