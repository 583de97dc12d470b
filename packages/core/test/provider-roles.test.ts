import { describe, expect, it } from 'vitest'
import {
  PROVIDER_ROLES,
  ROLE_METHODS,
  declaredRoles,
  implementsRole,
  roleDisagreements,
  rolesOf,
  type KeyProviderBase,
  type ProviderCapabilities,
} from '@keyward/core'

// The role helpers read only a capability map and which methods exist: plain objects are the honest input here.
const EVERYTHING: ProviderCapabilities = {
  keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_ECC'],
  symmetricKeySpecs: ['AES_256'],
  signAlgorithms: ['ECC_P256_R1'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_256'],
  wrappingAlgorithms: ['RSAES_OAEP_SHA_256'],
  keyRotation: true,
}

/** An object with the base and the methods of `roles`, declaring `caps`. */
function shaped(
  caps: ProviderCapabilities,
  roles: readonly (typeof PROVIDER_ROLES)[number][] = PROVIDER_ROLES,
): KeyProviderBase {
  const methods = Object.fromEntries(roles.flatMap((r) => ROLE_METHODS[r]).map((m) => [m, async () => undefined]))
  return {
    name: 'shape',
    capabilities: caps,
    generateRandom: async (n: number) => new Uint8Array(n),
    close: async () => undefined,
    ...methods,
  }
}

describe('provider roles', () => {
  it('every role method is listed once, and the four lists cover the 27 key methods', () => {
    const all = PROVIDER_ROLES.flatMap((r) => ROLE_METHODS[r])
    expect(new Set(all).size).toBe(all.length)
    expect(all).toHaveLength(27)
  })

  it('a full capability map declares all four roles, and an object with every method plays them', () => {
    expect(declaredRoles(EVERYTHING)).toEqual(['administration', 'symmetric', 'asymmetric', 'import'])
    expect(rolesOf(shaped(EVERYTHING))).toEqual(PROVIDER_ROLES)
    expect(roleDisagreements(shaped(EVERYTHING))).toEqual([])
  })

  it('roles follow the map: a signing-only token without import plays administration and asymmetric only', () => {
    const caps: ProviderCapabilities = {
      ...EVERYTHING,
      keyUsages: ['ASYMMETRIC_SIGN_VERIFY_ECC'],
      symmetricKeySpecs: [],
      asymmetricDecryptAlgorithms: [],
      wrappingAlgorithms: [],
      keyRotation: false,
    }
    const p = shaped(caps)
    expect(rolesOf(p)).toEqual(['administration', 'asymmetric'])
    expect(implementsRole(p, 'symmetric')).toBe(false)
    expect(implementsRole(p, 'import')).toBe(false)
    expect(roleDisagreements(p)).toEqual([])
  })

  it('a declared role whose methods are missing is a disagreement, and implementsRole says no', () => {
    const p = shaped(EVERYTHING, ['administration', 'symmetric', 'asymmetric'])
    expect(implementsRole(p, 'import')).toBe(false)
    expect(rolesOf(p)).toEqual(['administration', 'symmetric', 'asymmetric'])
    expect(roleDisagreements(p)).toEqual([
      'declares the import role but lacks getParametersForImport, importKeyMaterial, deleteImportedKeyMaterial',
    ])
  })

  it('a capability map that contradicts itself is named sentence by sentence', () => {
    const caps: ProviderCapabilities = {
      keyUsages: ['ASYMMETRIC_DECRYPT_SM2'],
      symmetricKeySpecs: ['SM4'],
      signAlgorithms: ['SM2DSA'],
      asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1'],
      wrappingAlgorithms: ['RSAES_PKCS1_V1_5'],
      keyRotation: true,
    }
    expect(roleDisagreements(shaped(caps))).toEqual([
      'lists ENCRYPT_DECRYPT without a symmetric key spec, or specs without the usage',
      'lists sign algorithm SM2DSA without usage ASYMMETRIC_SIGN_VERIFY_SM2',
      'lists decrypt algorithm RSAES_OAEP_SHA_1 without usage ASYMMETRIC_DECRYPT_RSA_2048',
      'lists usage ASYMMETRIC_DECRYPT_SM2 without any of its algorithms',
      'lists wrapping algorithms without symmetric keys to import into',
      'declares key rotation without symmetric keys to rotate',
    ])
  })

  it('a provider declaring no usage plays no role, not even administration', () => {
    const caps: ProviderCapabilities = {
      keyUsages: [],
      symmetricKeySpecs: [],
      signAlgorithms: [],
      asymmetricDecryptAlgorithms: [],
      wrappingAlgorithms: [],
      keyRotation: false,
    }
    expect(rolesOf(shaped(caps))).toEqual([])
  })
})
