import pkcs11 from 'pkcs11js'
import { describe, expect, it } from 'vitest'
import {
  parseVendorMechanisms,
  planFor,
  type MechanismInfo,
  type OptionalFunction,
  type TokenFacts,
} from '@keyward/provider-pkcs11'

/**
 * What the provider derives from a token's answers, for answers no test token gives: key sizes in the other
 * unit or unknown, a flag missing, a mechanism listed for a function the module stubs, a vendor map naming
 * mechanisms the token does not list. (Real tokens: conformance-*.test.ts.)
 */
const F = pkcs11 as unknown as Record<string, number>
type Spec = [name: string, flags: string[], min?: number, max?: number]

function facts(
  mechs: Spec[],
  functions: OptionalFunction[] = ['C_GenerateKey', 'C_GenerateKeyPair', 'C_WrapKey', 'C_UnwrapKey'],
): TokenFacts {
  const mechanisms = new Map<number, MechanismInfo>()
  for (const [name, flags, min = 0, max = 0] of mechs) {
    const type = F[`CKM_${name}`] as number
    mechanisms.set(type, {
      type,
      name,
      flags: flags.reduce((a, f) => a | (F[`CKF_${f}`] as number), 0),
      minKeySize: min,
      maxKeySize: max,
    })
  }
  return {
    library: { description: 'test', manufacturer: 'test', version: '1.0', cryptoki: '2.40' },
    token: { label: 't', manufacturer: 'm', model: 'x', serial: '1', flags: 0 },
    mechanisms,
    functions: new Set(functions),
  }
}

const GCM_TOKEN: Spec[] = [
  ['AES_KEY_GEN', ['GENERATE'], 16, 32],
  ['AES_GCM', ['ENCRYPT', 'DECRYPT'], 16, 32],
]
const RSA: Spec[] = [
  ['RSA_PKCS_KEY_PAIR_GEN', ['GENERATE_KEY_PAIR'], 1024, 4096],
  ['RSA_PKCS', ['SIGN', 'VERIFY', 'UNWRAP'], 1024, 4096],
]

describe('capabilities derived from token answers', () => {
  it('AES key sizes in bits instead of bytes, or unknown (0-0), still count; a range without 256 bits does not', () => {
    expect(
      planFor(
        facts([
          ['AES_KEY_GEN', ['GENERATE'], 128, 256],
          ['AES_GCM', ['ENCRYPT', 'DECRYPT'], 128, 256],
        ]),
        new Map(),
      ).symmetric,
    ).toBe('AES-256-GCM')
    expect(
      planFor(
        facts([
          ['AES_KEY_GEN', ['GENERATE']],
          ['AES_GCM', ['ENCRYPT', 'DECRYPT']],
        ]),
        new Map(),
      ).symmetric,
    ).toBe('AES-256-GCM')
    const small = planFor(
      facts([
        ['AES_KEY_GEN', ['GENERATE'], 16, 16],
        ['AES_GCM', ['ENCRYPT', 'DECRYPT'], 16, 16],
      ]),
      new Map(),
    )
    expect(small.symmetric).toBeUndefined()
    expect(small.gaps.get('AES_256')).toContain('256-bit keys')
  })

  it('a mechanism without the flag an operation needs does not declare it (GCM that only encrypts)', () => {
    const p = planFor(
      facts([
        ['AES_KEY_GEN', ['GENERATE'], 16, 32],
        ['AES_GCM', ['ENCRYPT'], 16, 32],
      ]),
      new Map(),
    )
    expect(p.capabilities.keyUsages).not.toContain('ENCRYPT_DECRYPT')
    expect(p.gaps.get('ENCRYPT_DECRYPT')).toContain('CKM_AES_GCM (ENCRYPT|DECRYPT')
  })

  it('mechanisms listed for a function the module lacks declare nothing that needs the function', () => {
    const p = planFor(facts([...GCM_TOKEN, ...RSA], ['C_GenerateKeyPair', 'C_WrapKey']), new Map())
    expect(p.capabilities.keyUsages).toEqual(['ASYMMETRIC_SIGN_VERIFY_RSA_2048'])
    expect(p.capabilities.wrappingAlgorithms).toEqual([])
    expect(p.capabilities.keyRotation).toBe(false)
    expect(p.gaps.get('RSAES_PKCS1_V1_5')).toContain('C_UnwrapKey')
  })

  it('BYOK needs a symmetric scheme as well as the unwrap mechanism', () => {
    const p = planFor(facts(RSA), new Map())
    expect(p.capabilities.wrappingAlgorithms).toEqual([])
    expect(p.gaps.get('RSAES_PKCS1_V1_5')).toMatch(/imported AES_256 key/)
    expect(planFor(facts([...GCM_TOKEN, ...RSA]), new Map()).capabilities.wrappingAlgorithms).toEqual([
      'RSAES_PKCS1_V1_5',
    ])
  })

  it('RAW RSA signatures use the combined mechanism only when it is listed with SIGN|VERIFY', () => {
    expect(planFor(facts(RSA), new Map()).rsaPkcs1Raw).toBeUndefined()
    expect(planFor(facts([...RSA, ['SHA256_RSA_PKCS', ['SIGN', 'VERIFY']]]), new Map()).rsaPkcs1Raw).toBe(
      'SHA256_RSA_PKCS',
    )
    expect(planFor(facts([...RSA, ['SHA256_RSA_PKCS', ['SIGN']]]), new Map()).rsaPkcs1Raw).toBeUndefined()
  })

  it('a vendor SM4 map is declared only when the token lists the mapped mechanisms with their flags', () => {
    const map = parseVendorMechanisms({
      SM4_KEY_GEN: { mechanism: '0x80000101', keyType: '0x80000001', valueLen: 16 },
      SM4_GCM: { mechanism: '0x80000108', params: 'gcm' },
    })
    const without = planFor(facts(GCM_TOKEN), map)
    expect(without.capabilities.symmetricKeySpecs).toEqual(['AES_256'])
    expect(without.gaps.get('SM4')).toContain('SM4_KEY_GEN')
    const f = facts(GCM_TOKEN) as { mechanisms: Map<number, MechanismInfo> }
    f.mechanisms.set(0x80000101, {
      type: 0x80000101,
      name: '0x80000101',
      flags: F['CKF_GENERATE'] as number,
      minKeySize: 16,
      maxKeySize: 16,
    })
    f.mechanisms.set(0x80000108, {
      type: 0x80000108,
      name: '0x80000108',
      flags: (F['CKF_ENCRYPT'] as number) | (F['CKF_DECRYPT'] as number),
      minKeySize: 16,
      maxKeySize: 16,
    })
    expect(planFor(f as TokenFacts, map).capabilities.symmetricKeySpecs).toEqual(['AES_256', 'SM4'])
  })

  it('an empty mechanism list declares nothing, and says why for every usage', () => {
    const p = planFor(facts([]), new Map())
    expect(p.capabilities).toMatchObject({
      keyUsages: [],
      symmetricKeySpecs: [],
      signAlgorithms: [],
      asymmetricDecryptAlgorithms: [],
      wrappingAlgorithms: [],
      keyRotation: false,
    })
    for (const u of [
      'ENCRYPT_DECRYPT',
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_ECC',
    ])
      expect(p.gaps.get(u), u).toMatch(/needs CKM_/)
  })
})
