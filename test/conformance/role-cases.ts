import { describe, expect, it } from 'vitest'
import {
  declaredRoles,
  implementsRole,
  roleDisagreements,
  rolesOf,
  type KeywardErrorCode,
  type ProviderRole,
} from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { CaseRegistrar, SuiteContext } from './harness.js'

/**
 * The capability map and the roles agree: the provider plays exactly the roles its map declares (each with every
 * method), the map is coherent with itself, and the roles are those the suite expects of this backend.
 */
export function roleCases(ctx: SuiteContext): void {
  const expected = declaredRoles(ctx.expected)
  describe('roles', () => {
    it(`plays exactly the roles its capability map declares: ${expected.join(', ')}`, () => {
      const p = ctx.provider
      expect(roleDisagreements(p)).toEqual([])
      expect(rolesOf(p)).toEqual(declaredRoles(p.capabilities))
      expect(rolesOf(p)).toEqual(expected)
      for (const role of expected) expect(implementsRole(p, role), role).toBe(true)
    })

    const floor = ctx.floor
    if (floor) {
      it('plays at least the roles this backend is known to support', () => {
        expect(rolesOf(ctx.provider)).toEqual(expect.arrayContaining(declaredRoles(floor)))
      })
    }
  })
}

const REFUSED: readonly KeywardErrorCode[] = ['UnsupportedOperation', 'UnsupportedOperation.UnsupportedKeyUsage']

/**
 * What a provider answers when asked for the work of a role it does not play: `UnsupportedOperation` (or the
 * key-usage refusal), never a fake result. Registered by the suite in place of the role's own cases.
 */
export const ROLE_REFUSALS: Readonly<Record<ProviderRole, CaseRegistrar>> = {
  administration: (ctx) => {
    it('refuses CreateKey: it declares no key usage', async () => {
      await expectKeywardError(() => ctx.provider.createKey({ alias: ctx.alias() }), 'UnsupportedOperation')
    })
  },
  symmetric: (ctx) => {
    it('refuses ENCRYPT_DECRYPT keys, and Encrypt / GenerateDataKey with the keys it has', async () => {
      await expectKeywardError(() => ctx.createKey({ keyUsage: 'ENCRYPT_DECRYPT' }), 'UnsupportedOperation')
      const { keyId } = await ctx.sharedKey(ctx.defaultUsage)
      await expectKeywardError(() => ctx.provider.encrypt({ keyId, plaintext: Buffer.from('x') }), REFUSED)
      await expectKeywardError(() => ctx.provider.generateDataKey({ keyId }), REFUSED)
    })
  },
  asymmetric: (ctx) => {
    it('refuses GetPublicKey and SignByAsymmetricKey with the keys it has', async () => {
      const { keyId } = await ctx.sharedKey(ctx.defaultUsage)
      await expectKeywardError(() => ctx.provider.getPublicKey(keyId), REFUSED)
      await expectKeywardError(
        () => ctx.provider.signByAsymmetricKey({ keyId, algorithm: 'ECC_P256_R1', message: Buffer.from('m') }),
        REFUSED,
      )
    })
  },
  import: (ctx) => {
    it('refuses EXTERNAL keys, and GetParametersForImport with the keys it has', async () => {
      await expectKeywardError(() => ctx.createKey({ type: 2 }), 'UnsupportedOperation')
      const { keyId } = await ctx.sharedKey(ctx.defaultUsage)
      await expectKeywardError(
        () => ctx.provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' }),
        ['UnsupportedOperation', 'UnsupportedOperation.NotUserCreatedCmk'],
      )
    })
  },
}
