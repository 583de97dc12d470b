import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '@keyward/container'
import { KeywardError } from '@keyward/core'
import { tempDir } from '@keyward/test-support'

// Config, environment and flag precedence of `compliance` (loadConfig only: no profile is put in force here).

const dirs: Array<{ remove(): void }> = []
function dir(config?: object): string {
  const d = tempDir('keyward-compliance-config-')
  dirs.push(d)
  if (config) writeFileSync(join(d.dir, 'keyward.config.json'), JSON.stringify(config))
  return d.dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})

function load(home: string, env: Record<string, string> = {}, flags: Record<string, unknown> = {}) {
  return loadConfig({ env: { KEYWARD_HOME: home, ...env }, cwd: home, flags })
}

function errorOf(fn: () => unknown): KeywardError {
  try {
    fn()
  } catch (e) {
    if (e instanceof KeywardError) return e
    throw e
  }
  throw new Error('expected a KeywardError')
}

describe('compliance in the configuration', () => {
  it('defaults to none, with the legacy escape hatch off', () => {
    const c = load(dir())
    expect([c.compliance, c.allowLegacyDecrypt]).toEqual(['none', false])
  })

  it('comes from the file, KEYWARD_COMPLIANCE or a flag', () => {
    expect(load(dir({ compliance: 'gm' })).compliance).toBe('gm')
    expect(load(dir(), { KEYWARD_COMPLIANCE: 'fips' }).compliance).toBe('fips')
    expect(load(dir(), {}, { compliance: 'gm' }).compliance).toBe('gm')
  })

  it("none in the environment or a flag never loosens the file's profile, and none in the file never loosens the environment's", () => {
    const home = dir({ compliance: 'gm' })
    expect(load(home, { KEYWARD_COMPLIANCE: 'none' }).compliance).toBe('gm')
    expect(load(home, {}, { compliance: 'none' }).compliance).toBe('gm')
    expect(load(dir({ compliance: 'none' }), { KEYWARD_COMPLIANCE: 'gm' }, { compliance: 'none' }).compliance).toBe(
      'gm',
    )
  })

  it('two different profiles are refused naming both sources', () => {
    const e = errorOf(() => load(dir({ compliance: 'gm' }), { KEYWARD_COMPLIANCE: 'fips' }))
    expect(e.code).toBe('InvalidParameterValue')
    expect(e.message).toMatch(/conflict: gm \(compliance in .*keyward\.config\.json\) and fips \(KEYWARD_COMPLIANCE\)/)
    expect(errorOf(() => load(dir(), { KEYWARD_COMPLIANCE: 'fips' }, { compliance: 'gm' })).message).toMatch(
      /fips \(KEYWARD_COMPLIANCE\) and gm \(the compliance flag\)/,
    )
  })

  it('a value that is not a profile is an error wherever it is, never a silent none', () => {
    expect(errorOf(() => load(dir(), { KEYWARD_COMPLIANCE: 'GM' })).message).toMatch(/none, gm, fips/)
    expect(errorOf(() => load(dir({ compliance: 'sm' }))).code).toBe('InvalidParameterValue')
    expect(errorOf(() => load(dir({ compliance: 'gm' }), { KEYWARD_COMPLIANCE: 'gmm' })).message).toMatch(
      /KEYWARD_COMPLIANCE must be one of none, gm, fips, got "gmm"/,
    )
    // An empty variable is an unset one.
    expect(load(dir({ compliance: 'gm' }), { KEYWARD_COMPLIANCE: '' }).compliance).toBe('gm')
  })

  it('allowLegacyDecrypt comes from the file or a flag, never the environment', () => {
    expect(load(dir({ compliance: 'gm', allowLegacyDecrypt: true })).allowLegacyDecrypt).toBe(true)
    expect(
      load(dir({ compliance: 'gm' }), { KEYWARD_ALLOW_LEGACY_DECRYPT: 'true', KEYWARD_ALLOWLEGACYDECRYPT: '1' })
        .allowLegacyDecrypt,
    ).toBe(false)
    expect(load(dir({ compliance: 'gm' }), {}, { allowLegacyDecrypt: true }).allowLegacyDecrypt).toBe(true)
    expect(errorOf(() => load(dir({ allowLegacyDecrypt: 'yes' }))).code).toBe('InvalidParameterValue')
  })
})
