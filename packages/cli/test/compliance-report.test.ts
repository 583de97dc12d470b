/**
 * `keyward compliance report` on a home with a deliberate mix of keys: the violations it lists are exactly the
 * ones planted, under gm and under fips, in JSON and Markdown; a checkpoint is verified; bad options are usage
 * errors. Runs the built binary.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

interface Finding {
  check: string
  severity: string
  subject: string
  message: string
  requirements: string[]
}
interface Report {
  type: string
  profile: { name: string }
  summary: { violations: number; warnings: number; keys: number; accounts: number }
  keys: Array<{
    keyId: string
    alias: string
    account: string
    keySpec: string
    keyState: string
    location: string
    keyRotationEnabled: boolean
  }>
  findings: Finding[]
  deployment: {
    audit: { ok: boolean; entries: number; checkpoint?: { ok: boolean } }
    cryptoModule: { fipsActive: boolean }
  }
  requirements: Array<{ check: string; requirements: string[] }>
  limitations: string[]
}

describe('keyward compliance report', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  const k: Record<string, string> = {}

  async function report(args: string[]): Promise<{ code: number; report: Report }> {
    const r = await keyward(home, ['compliance', 'report', '--output', 'json', ...args])
    expect(r.stderr).toBe('')
    return { code: r.code, report: JSON.parse(r.stdout) as Report }
  }

  const violationKeys = (r: Report): string[] =>
    r.findings
      .filter((f) => f.severity === 'violation')
      .map((f) => /^key (\S+)/.exec(f.subject)?.[1] ?? f.subject)
      .sort()

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-report-'))
    const create = async (name: string, params: Record<string, string | number> = {}): Promise<void> => {
      k[name] = (await kms(home, 'CreateKey', { Alias: name, ...params }))['KeyId'] as string
    }
    // The mix: what gm forbids, what fips forbids, what both allow, and one forbidden key already on its way out.
    await create('orders-aes')
    await create('orders-sm4', { KeySpec: 'SM4' })
    await create('sign-rsa', { KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    await create('sign-ecc', { KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    await create('decrypt-sm2', { KeyUsage: 'ASYMMETRIC_DECRYPT_SM2' })
    await create('byok-aes', { Type: 2 })
    await create('retired-aes')
    await kms(home, 'EnableKeyRotation', { KeyId: k['orders-sm4']!, RotateDays: 90 })
    await kms(home, 'EnableKeyRotation', { KeyId: k['orders-aes']!, RotateDays: 90 })
    await kms(home, 'DisableKey', { KeyId: k['retired-aes']! })
    await kms(home, 'ScheduleKeyDeletion', { KeyId: k['retired-aes']!, PendingWindowInDays: 7 })
  })
  afterAll(() => remove())

  it('gm: exactly the AES, RSA and ECC keys in use are violations (the one pending deletion is not); exit 1', async () => {
    const { code, report: r } = await report(['--profile', 'gm'])
    expect(code).toBe(1)
    expect(r.type).toBe('keyward-compliance-report')
    expect(r.profile.name).toBe('gm')
    expect(r.summary.keys).toBe(7)
    expect(violationKeys(r)).toEqual([k['orders-aes'], k['sign-rsa'], k['sign-ecc'], k['byok-aes']].sort())
    expect(r.summary.violations).toBe(4)
    expect(r.findings.find((f) => f.subject.startsWith(`key ${k['retired-aes']}`))).toMatchObject({
      severity: 'info',
      message: expect.stringMatching(/scheduled for deletion/),
    })
    // Every violation says what to do and which requirement it bears on.
    for (const f of r.findings.filter((x) => x.severity === 'violation'))
      expect(f.requirements.join(' ')).toMatch(/GB\/T 39786-2021 §5 .*§8\.4/)
    const keyRow = r.keys.find((x) => x.keyId === k['orders-sm4'])
    expect(keyRow).toMatchObject({
      alias: 'orders-sm4',
      account: 'admin',
      keySpec: 'SM4',
      keyRotationEnabled: true,
      location: 'software (SQLite), sealed under the root key',
    })
    // The home's own weaknesses are warnings, not violations: root.key beside the data, no SM3 audit entry yet, no
    // checkpoint.
    expect(
      r.findings
        .filter((f) => f.severity === 'warning')
        .map((f) => f.check)
        .sort(),
    ).toEqual(['audit-chain', 'audit-checkpoint', 'root-key'])
    expect(r.deployment.audit.ok).toBe(true)
    expect(r.requirements.map((q) => q.check)).toContain('crypto-module')
    expect(r.limitations.join('\n')).toMatch(/not a certification[\s\S]*TLCP/)
  })

  it('fips: exactly the SM4 and SM2 keys are violations, and the module is not claimed validated', async () => {
    const { code, report: r } = await report(['--profile', 'fips'])
    expect(code).toBe(1)
    expect(violationKeys(r)).toEqual([k['orders-sm4'], k['decrypt-sm2']].sort())
    const module = r.findings.find((f) => f.check === 'crypto-module')!
    expect(module.severity).toBe(r.deployment.cryptoModule.fipsActive ? 'info' : 'warning')
    if (!r.deployment.cryptoModule.fipsActive) expect(module.message).toMatch(/^This deployment is NOT FIPS-validated/)
    expect(module.requirements).toEqual(['FIPS 140-3 CMVP validation of the module that performs the cryptography'])
  })

  it('none (the default here): no violations, exit 0; Markdown has the findings, keys, requirement map and limits', async () => {
    const { code, report: r } = await report([])
    expect([code, r.profile.name, r.summary.violations]).toEqual([0, 'none', 0])
    const md = await keyward(home, ['compliance', 'report', '--profile', 'gm'])
    expect(md.code).toBe(1)
    expect(md.stdout).toMatch(/^# Keyward compliance report — gm \(国密 \(GB\/T 39786-2021, GM\/T 0054-2018\)\)\n/)
    expect(md.stdout).toContain('7 keys in 1 account; **4 violations**, 3 warnings.')
    expect(md.stdout).toContain(`| violation | key-algorithm | key ${k['sign-rsa']} (sign-rsa, account admin) |`)
    expect(md.stdout).toMatch(/## What each check evidences[\s\S]*## What this report cannot prove/)
  })

  it('the configured profile is the default; a checkpoint kept elsewhere is verified', async () => {
    const cp = await keyward(home, ['audit', 'checkpoint'])
    expect(cp.code).toBe(0)
    const file = join(home, 'checkpoint.json')
    writeFileSync(file, cp.stdout)
    await kms(home, 'ListKeys')
    const { report: r } = await report(['--checkpoint', file, '--compliance', 'gm'])
    expect(r.profile.name).toBe('gm')
    expect(r.deployment.audit.checkpoint?.ok).toBe(true)
    expect(r.findings.some((f) => f.check === 'audit-checkpoint' && f.severity === 'info')).toBe(true)
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/"entries":(\d+)/, (_m, n: string) => `"entries":${Number(n) + 1}`),
    )
    expectFailure(await keyward(home, ['compliance', 'report', '--checkpoint', file]), /signature does not verify/)
  })

  it('bad options are usage errors; a remote target is refused', async () => {
    const [profile, output, remote] = await Promise.all([
      keyward(home, ['compliance', 'report', '--profile', 'GM']),
      keyward(home, ['compliance', 'report', '--output', 'xml']),
      keyward(home, ['--endpoint', '127.0.0.1:1', 'compliance', 'report']),
    ])
    expectFailure(profile, /--profile "GM": expected gm, fips or none/)
    expect(profile.code).toBe(2)
    expectFailure(output, /xml/)
    expectFailure(remote, /reads a data directory/)
  })
})
