/**
 * @packageDocumentation
 * The one conformance suite every KeyProvider runs (software, PKCS#11, Tencent KMS through `keyward serve`,
 * the server), organised by role: KeyProviderBase first (capabilities, the roles they declare, GenerateRandom),
 * then one block per role the provider plays — KeyAdministration, SymmetricCrypto, AsymmetricCrypto, KeyImport
 * (roles/) — and, for a role it does not play, the refusals that prove it does not fake it. It uses only the
 * KeyProvider contract, so a backend passes it by behaving like Tencent KMS, not by sharing code with the suite.
 * Outputs are verified independently (node:crypto, @keyward/gm), inputs for decryption are made independently, and
 * whatever the backend declares it cannot do must be refused with `UnsupportedOperation`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { declaredRoles } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import {
  CASE_AREAS,
  SuiteContext,
  type BaseSuite,
  type CaseArea,
  type DerivedCapabilities,
  type ExpectedCapabilities,
  type ProviderFactory,
} from './harness.js'
import { ROLE_REFUSALS } from './role-cases.js'
import { ADMINISTRATION_SUITE } from './roles/administration.js'
import { ASYMMETRIC_SUITE } from './roles/asymmetric.js'
import { BASE_SUITE } from './roles/base.js'
import { IMPORT_SUITE } from './roles/import.js'
import { SYMMETRIC_SUITE } from './roles/symmetric.js'

export type { ConformanceHarness, DerivedCapabilities, ExpectedCapabilities, ProviderFactory } from './harness.js'
export { CASE_AREAS, type CaseArea } from './harness.js'
export { FULL_CONTRACT } from './full-contract.js'
export { SuiteContext } from './harness.js'

/** The role blocks, in the order they run. */
const ROLE_SUITES = [ADMINISTRATION_SUITE, SYMMETRIC_SUITE, ASYMMETRIC_SUITE, IMPORT_SUITE] as const

/** Registers the selected areas of `suite`, in CASE_AREAS order, under the suite's title. */
function registerSuite(suite: BaseSuite, ctx: SuiteContext, areas: readonly CaseArea[]): void {
  const selected = CASE_AREAS.filter((area) => areas.includes(area) && suite.areas[area] !== undefined)
  if (selected.length === 0) return
  describe(suite.title, () => {
    for (const area of selected) suite.areas[area]!(ctx)
  })
}

/**
 * Registers the conformance suite for one provider. The factory runs once, when the suite is collected; its
 * provider is shared by every case (keys are reused where isolation allows, because RSA generation is slow)
 * and closed at the end. The role blocks that run are those of the roles the expected capabilities declare
 * (`declaredRoles`); the `roles` cases check the provider plays exactly those. When the factory gives no
 * ManualClock, the time-travel cases are not registered and the suite's title says so.
 *
 * The second form is for a backend whose capabilities are read from what it is connected to (PKCS#11): the
 * suite runs with the map the provider derived, and asserts it holds at least `floor`, so a broken derivation
 * cannot pass by declaring nothing. `areas` names a smaller default subset for a slow backend (never a skip:
 * the title lists what runs).
 *
 * @example
 * ```ts
 * describeKeyProvider('software', async () => {
 *   const clock = new ManualClock()
 *   const rootKey = RootKey.fromBytes(randomBytes(32))
 *   const provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey, clock })
 *   return { provider, clock, close: () => provider.close() }
 * }, {
 *   keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_SIGN_VERIFY_ECC'], symmetricKeySpecs: ['AES_256'],
 *   signAlgorithms: ['ECC_P256_R1'], asymmetricDecryptAlgorithms: [], wrappingAlgorithms: [], keyRotation: true,
 * })
 * ```
 */
export function describeKeyProvider(
  name: string,
  factory: ProviderFactory,
  expected: ExpectedCapabilities | DerivedCapabilities,
): void {
  describe(`KeyProvider conformance: ${name}`, async () => {
    const harness = await factory()
    const derived = 'floor' in expected
    const caps = derived ? harness.provider.capabilities : expected
    const ctx = new SuiteContext(harness, caps, derived ? expected.floor : undefined)
    const areas: readonly CaseArea[] = (derived && expected.areas) || CASE_AREAS
    const roles = declaredRoles(caps)
    afterAll(() => harness.close())

    const scope = areas.length === CASE_AREAS.length ? 'all cases' : `the named subset ${areas.join(', ')}`
    const clock = ctx.clock ? 'with time travel' : 'time-travel cases NOT registered (the factory gave no ManualClock)'
    describe(`${scope}; roles ${roles.join(', ')}; ${clock}`, () => {
      registerSuite(BASE_SUITE, ctx, areas)
      for (const suite of ROLE_SUITES) {
        if (roles.includes(suite.role)) registerSuite(suite, ctx, areas)
        else if (areas.includes('roles')) describe(`${suite.title}: not played`, () => ROLE_REFUSALS[suite.role](ctx))
      }

      if (areas.includes('close'))
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
