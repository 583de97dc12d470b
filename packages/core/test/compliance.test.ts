import { describe, expect, it } from 'vitest'
import {
  COMPLIANCE_PROFILES,
  COMPLIANCE_PROFILE_NAMES,
  COMPLIANCE_UNIVERSE,
  KeywardError,
  blobCipherOf,
  blobHeader,
  blobKeyIdOf,
  encodeCiphertextBlob,
  evaluateCompliance,
  isCompliant,
  narrowCapabilities,
  requireCompliant,
  strictestCompliance,
  type ComplianceSubject,
  type KeyInventoryEntry,
} from '@keyward/core'

const subjects = Object.keys(COMPLIANCE_UNIVERSE) as ComplianceSubject[]

function key(over: Partial<KeyInventoryEntry>): KeyInventoryEntry {
  return {
    keyId: 'k',
    alias: 'a',
    account: '',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SM4',
    origin: 'TENCENT_KMS',
    keyState: 'Enabled',
    keyRotationEnabled: true,
    lastRotateTime: 0,
    rotateDays: 365,
    createTime: 0,
    keyVersionCount: 1,
    location: 'software',
    ...over,
  }
}

describe('compliance profiles as data', () => {
  it.each(COMPLIANCE_PROFILE_NAMES)(
    '%s: allows only known values, its defaults are allowed, every refusal has an alternative',
    (name) => {
      const p = COMPLIANCE_PROFILES[name]
      for (const s of subjects) {
        for (const v of p.allowed[s])
          expect((COMPLIANCE_UNIVERSE[s] as readonly string[]).includes(v), `${s} ${v}`).toBe(true)
        const refused = COMPLIANCE_UNIVERSE[s].filter((v) => !(p.allowed[s] as readonly string[]).includes(v))
        if (refused.length > 0) expect(p.alternatives[s].length, `${name} ${s}`).toBeGreaterThan(0)
      }
      expect(isCompliant(p, 'keySpec', p.defaults.symmetricKeySpec)).toBe(true)
      expect(isCompliant(p, 'dataKeySpec', p.defaults.dataKeySpec)).toBe(true)
      expect(isCompliant(p, 'envelopeSuite', p.defaults.envelopeSuite)).toBe(true)
      expect(isCompliant(p, 'hash', p.defaults.hash)).toBe(true)
      expect(isCompliant(p, 'sealAlgorithm', p.defaults.sealAlgorithm)).toBe(true)
    },
  )

  it('gm and fips share no key spec, suite or hash: there is nothing to merge', () => {
    for (const s of ['keySpec', 'envelopeSuite', 'hash', 'signAlgorithm'] as const) {
      const gm = COMPLIANCE_PROFILES.gm.allowed[s] as readonly string[]
      expect(COMPLIANCE_PROFILES.fips.allowed[s].filter((v) => gm.includes(v))).toEqual([])
    }
  })

  it('strictestCompliance: none never loosens, the same profile twice is one, two profiles conflict naming sources; typos are errors', () => {
    expect(
      strictestCompliance([
        { profile: 'none', source: 'a' },
        { profile: 'gm', source: 'b' },
        { profile: 'none', source: 'c' },
      ]),
    ).toBe('gm')
    expect(
      strictestCompliance([
        { profile: 'fips', source: 'a' },
        { profile: 'fips', source: 'b' },
      ]),
    ).toBe('fips')
    expect(strictestCompliance([{ profile: undefined, source: 'a' }])).toBe('none')
    expect(() =>
      strictestCompliance([
        { profile: 'gm', source: 'file' },
        { profile: 'fips', source: 'env' },
      ]),
    ).toThrow('Compliance profiles conflict: gm (file) and fips (env)')
    expect(() => strictestCompliance([{ profile: 'Gm' as never, source: 'the flag' }])).toThrow(
      'the flag must be one of none, gm, fips, got "Gm".',
    )
  })

  it('requireCompliant refuses with the stable code, and leaves unknown values to the parameter checks', () => {
    const gm = COMPLIANCE_PROFILES.gm
    let e: unknown
    try {
      requireCompliant(gm, 'hash', 'SHA-256', 'here')
    } catch (x) {
      e = x
    }
    expect(e).toBeInstanceOf(KeywardError)
    expect((e as KeywardError).code).toBe('UnsupportedOperation.ComplianceProfile')
    expect((e as KeywardError).message).toBe(
      'The gm compliance profile (国密 (GB/T 39786-2021, GM/T 0054-2018)) does not allow hash SHA-256 (here): use SM3.',
    )
    expect(() => requireCompliant(gm, 'hash', 'MD5')).not.toThrow()
    expect(() => requireCompliant(gm, 'hash', undefined)).not.toThrow()
  })

  it('narrowCapabilities keeps only what the profile allows, and drops ENCRYPT_DECRYPT without a symmetric spec', () => {
    const caps = {
      keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_SIGN_VERIFY_ECC'] as const,
      symmetricKeySpecs: ['AES_256'] as const,
      signAlgorithms: ['ECC_P256_R1'] as const,
      asymmetricDecryptAlgorithms: [],
      wrappingAlgorithms: ['RSAES_PKCS1_V1_5'] as const,
      keyRotation: true,
    }
    const gm = narrowCapabilities(caps, COMPLIANCE_PROFILES.gm)
    expect([gm.keyUsages, gm.symmetricKeySpecs, gm.signAlgorithms, gm.wrappingAlgorithms]).toEqual([[], [], [], []])
    const fips = narrowCapabilities(caps, COMPLIANCE_PROFILES.fips)
    expect([fips.keyUsages, fips.wrappingAlgorithms]).toEqual([['ENCRYPT_DECRYPT', 'ASYMMETRIC_SIGN_VERIFY_ECC'], []])
  })

  it("blobCipherOf / blobKeyIdOf read a Keyward blob's header and nothing else", () => {
    const blob = encodeCiphertextBlob(
      blobHeader('SM4-GCM', 'key-1', 3),
      Buffer.alloc(12),
      Buffer.alloc(16),
      Buffer.from('ct'),
    )
    expect([blobCipherOf(blob), blobKeyIdOf(blob)]).toEqual(['SM4-GCM', 'key-1'])
    for (const junk of [
      '',
      'not base64 !',
      Buffer.from('KW\x09\x01').toString('base64'),
      'AAAAAAAAAAAA',
      42,
      undefined,
    ]) {
      expect(blobCipherOf(junk)).toBeUndefined()
    }
  })

  it('evaluateCompliance: violations first; a forbidden key pending deletion is only recorded; rotation off is a warning', () => {
    const f = evaluateCompliance('gm', {
      keys: [
        key({ keyId: 'aes', keySpec: 'AES_256' }),
        key({ keyId: 'gone', keySpec: 'AES_256', keyState: 'PendingDelete' }),
        key({ keyId: 'sm4', keyRotationEnabled: false }),
      ],
      allowLegacyDecrypt: false,
      cryptoModule: { fipsActive: false, detail: 'test' },
    })
    expect(f[0]).toMatchObject({ severity: 'violation', check: 'key-algorithm', subject: 'key aes (a)' })
    expect(f.filter((x) => x.severity === 'violation')).toHaveLength(1)
    expect(f.find((x) => x.subject === 'key gone (a)')?.severity).toBe('info')
    expect(f.find((x) => x.subject === 'key sm4 (a)')).toMatchObject({ severity: 'warning', check: 'key-rotation' })
    // Under none nothing is a violation, and the escape hatch is not even worth a warning.
    expect(
      evaluateCompliance('none', {
        keys: [key({ keySpec: 'AES_256' })],
        allowLegacyDecrypt: true,
        cryptoModule: { fipsActive: false, detail: '' },
      }).filter((x) => x.severity !== 'info'),
    ).toEqual([])
  })
})
