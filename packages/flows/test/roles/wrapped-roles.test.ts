/**
 * The wrappers keep capabilities and roles in agreement: a compliance profile that narrows the capability map
 * narrows the roles with it (gm refuses BYOK, so a gm provider plays no import role and says so by refusing), and the
 * audit wrapper changes neither.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MemoryAuditSink,
  MemoryKeyStore,
  isKeywardError,
  roleDisagreements,
  rolesOf,
  withAudit,
  withCompliance,
} from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'

let software: SoftwareKeyProvider
beforeAll(() => {
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
})
afterAll(() => software?.close())

describe('roles of wrapped providers', () => {
  it('the software provider plays all four roles, and withAudit keeps them', () => {
    expect(rolesOf(software)).toEqual(['administration', 'symmetric', 'asymmetric', 'import'])
    const audited = withAudit(software, new MemoryAuditSink())
    expect(rolesOf(audited)).toEqual(rolesOf(software))
    expect(roleDisagreements(audited)).toEqual([])
  })

  it('under gm the import role goes with the wrapping algorithms, and BYOK is refused, not faked', async () => {
    const gm = withCompliance(software, 'gm')
    expect(gm.capabilities.wrappingAlgorithms).toEqual([])
    expect(rolesOf(gm)).toEqual(['administration', 'symmetric', 'asymmetric'])
    expect(roleDisagreements(gm)).toEqual([])
    const refused = await gm
      .getParametersForImport({
        keyId: (await gm.createKey({ alias: 'gm-roles' })).keyId,
        wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isKeywardError(refused, 'UnsupportedOperation.ComplianceProfile')).toBe(true)
  })

  it('under fips the map narrows to approved algorithms and every role stays', () => {
    const fips = withCompliance(software, 'fips')
    expect(rolesOf(fips)).toEqual(['administration', 'symmetric', 'asymmetric', 'import'])
    expect(roleDisagreements(fips)).toEqual([])
  })
})
