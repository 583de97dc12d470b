import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { checkCompliance, createKeyward, type Keyward } from '@keyward/container'
import { processCompliance, type LegacyDecryptEvent } from '@keyward/core'
import { codeOf, tempDir } from '@keyward/test-support'

// createKeyward under gm: the provider it builds is bound to the profile, the process is too, and checkCompliance
// finds exactly the keys outside it. (A process-wide profile stays: this file runs gm only.)

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(
  home: string,
  overrides: Record<string, unknown> = {},
  onLegacyDecrypt?: (e: LegacyDecryptEvent) => void,
): Promise<Keyward> {
  const kw = await createKeyward(
    { home, ...overrides },
    { env: { KEYWARD_ROOT_KEY: ROOT }, ...(onLegacyDecrypt ? { onLegacyDecrypt } : {}) },
  )
  cleanups.push(() => kw.close())
  return kw
}

const ROOT = randomBytes(32).toString('base64')

describe('createKeyward with compliance gm', () => {
  it('keys made before gm are listed as violations, refused in use, and the app can fail fast at start-up', async () => {
    const t = tempDir('keyward-gm-')
    cleanups.push(() => t.remove())
    // Before the profile: a mixed home.
    const before = await open(t.dir)
    const aes = await before.provider.createKey({ alias: 'orders-aes' })
    const rsa = await before.provider.createKey({ alias: 'sign-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    const sm4 = await before.provider.createKey({ alias: 'orders-sm4', keySpec: 'SM4' })
    await before.provider.enableKeyRotation(sm4.keyId, 90)
    const legacy = await before.provider.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('old') })
    await before.close()
    expect(processCompliance()).toBe('none')

    const events: LegacyDecryptEvent[] = []
    const kw = await open(t.dir, { compliance: 'gm' }, (e) => void events.push(e))
    expect(processCompliance()).toBe('gm')
    expect(kw.compliance.profile).toBe('gm')
    expect((await kw.provider.createKey({ alias: 'new' })).keySpec).toBe('SM4')
    expect(await codeOf(() => kw.provider.encrypt({ keyId: aes.keyId, plaintext: Buffer.from('x') }))).toBe(
      'UnsupportedOperation.ComplianceProfile',
    )
    expect(await codeOf(() => kw.provider.decrypt({ ciphertextBlob: legacy.ciphertextBlob }))).toBe(
      'UnsupportedOperation.ComplianceProfile',
    )

    const r = await checkCompliance(kw, { env: { KEYWARD_ROOT_KEY: ROOT } })
    expect(r.ok).toBe(false)
    const violations = r.findings.filter((f) => f.severity === 'violation')
    expect(violations.map((v) => v.subject).sort()).toEqual(
      [`key ${aes.keyId} (orders-aes)`, `key ${rsa.keyId} (sign-rsa)`].sort(),
    )
    expect(
      violations.every(
        (v) => v.check === 'key-algorithm' && v.requirements.some((q) => q.startsWith('GB/T 39786-2021')),
      ),
    ).toBe(true)
    // The new SM4 key has no rotation: a warning, not a violation.
    expect(r.findings.some((f) => f.severity === 'warning' && f.check === 'key-rotation')).toBe(true)
    expect(r.findings.find((f) => f.check === 'root-key')?.message).toMatch(/KEYWARD_ROOT_KEY/)
    const thrown = await codeOf(() => checkCompliance(kw, { throwOnViolation: true }))
    expect(thrown).toBe('UnsupportedOperation.ComplianceProfile')

    // Retire them: a key pending deletion is no longer a violation.
    for (const k of [aes, rsa]) {
      await kw.provider.disableKey(k.keyId)
      await kw.provider.scheduleKeyDeletion(k.keyId, 7)
    }
    expect((await checkCompliance(kw, { throwOnViolation: true })).ok).toBe(true)
    expect(events).toEqual([])
  })

  it('a later configuration saying none gets a gm provider anyway; fips next to gm is refused', async () => {
    const t = tempDir('keyward-gm-')
    cleanups.push(() => t.remove())
    await open(t.dir, { compliance: 'gm' })
    const loose = await open(t.dir, { compliance: 'none' })
    expect(await codeOf(() => loose.provider.createKey({ alias: 'a', keySpec: 'AES_256' }))).toBe(
      'UnsupportedOperation.ComplianceProfile',
    )
    expect((await loose.provider.createKey({ alias: 'b' })).keySpec).toBe('SM4')
    expect(await codeOf(() => open(t.dir, { compliance: 'fips' }))).toBe('InvalidParameterValue')
  })

  it('allowLegacyDecrypt needs an audit callback, and then decrypts old AES data with a record of it', async () => {
    const t = tempDir('keyward-gm-')
    cleanups.push(() => t.remove())
    expect(
      await codeOf(async () => (await open(t.dir, { compliance: 'gm', allowLegacyDecrypt: true })).provider.listKeys()),
    ).toBe('MissingParameter')
    const events: LegacyDecryptEvent[] = []
    const kw = await open(t.dir, { compliance: 'gm', allowLegacyDecrypt: true }, (e) => void events.push(e))
    const r = await checkCompliance(kw)
    expect(r.findings.some((f) => f.check === 'legacy-decrypt' && f.severity === 'warning')).toBe(true)
    expect(events).toEqual([])
  })
})
