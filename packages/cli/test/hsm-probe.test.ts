/**
 * `keyward hsm probe` on the four PKCS#11 implementations the tests install: the built binary, its JSON and table
 * output, the features it finds working or missing, and the token left exactly as it was.
 */
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestToken,
  objectsWithIdPrefix,
  tempDir,
  withTokenSession,
  type TestToken,
  type TokenKind,
} from '@keyward/test-support'
import { BIN, cliEnv, expectFailure, keyward, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

interface Report {
  token: { label: string }
  functions: Record<string, boolean>
  mechanisms: Array<{ name: string; flags: string[] }>
  capabilities: { keyUsages: string[] }
  features: Array<{ feature: string; outcome: { status: string; missing?: string } }>
  objectsLeft?: number
  temporaryKeyIds: string[]
}

/** Every object on the token, counted as another application sees it. */
const objectCount = (t: TestToken): number => withTokenSession(t, (s) => s.find({}).length)

/** The probe's command line for `t`, PIN from HSM_PIN. */
function probeArgs(t: TestToken, extra: string[] = []): string[] {
  return [
    'hsm',
    'probe',
    '--module',
    t.modulePath,
    '--token',
    t.label,
    ...(t.libraryParameters ? ['--library-parameters', t.libraryParameters] : []),
    ...extra,
  ]
}

/** Features each token must show working (its floor), and what it must report missing, and why. */
const EXPECT: Record<TokenKind, { works: string[]; missing: Record<string, RegExp> }> = {
  softhsm2: {
    works: [
      'Encrypt/Decrypt/GenerateDataKey AES_256',
      'Sign/Verify ECC_P256_R1',
      'Sign/Verify RSA_PSS_SHA_256',
      'BYOK import RSAES_OAEP_SHA_1',
    ],
    missing: { 'BYOK import RSAES_OAEP_SHA_256': /SHA-256/ },
  },
  nss: {
    works: [
      'Encrypt/Decrypt/GenerateDataKey AES_256',
      'Sign/Verify ECC_P256_R1',
      'AsymmetricRsaDecrypt RSAES_OAEP_SHA_256',
      'BYOK import RSAES_PKCS1_V1_5',
    ],
    missing: {},
  },
  opencryptoki: {
    works: ['Encrypt/Decrypt/GenerateDataKey AES_256', 'Sign/Verify RSA_PKCS1_SHA_256', 'BYOK import RSAES_OAEP_SHA_1'],
    missing: { 'Sign/Verify ECC_P256_R1': /CKM_EC_KEY_PAIR_GEN/ },
  },
  tpm2: {
    works: ['Sign/Verify ECC_P256_R1', 'Sign/Verify RSA_PKCS1_SHA_256', 'AsymmetricRsaDecrypt RSAES_OAEP_SHA_1'],
    missing: {
      'Encrypt/Decrypt/GenerateDataKey AES_256': /C_GenerateKey/,
      'Sign/Verify RSA_PSS_SHA_256': /CKM_RSA_PKCS_PSS/,
    },
  },
}

describe('keyward hsm probe', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  const tokens: Partial<Record<TokenKind, TestToken>> = {}

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-probe-'))
    for (const kind of Object.keys(EXPECT) as TokenKind[]) tokens[kind] = createTestToken(kind)
  })
  afterAll(async () => {
    for (const t of Object.values(tokens)) await t.remove()
    remove()
  })

  for (const kind of Object.keys(EXPECT) as TokenKind[]) {
    it(`${kind}: every declared feature works on temporary keys, what is missing says why, and the token is left as it was`, async () => {
      const t = tokens[kind] as TestToken
      const before = objectCount(t)
      const r = await keyward(home, probeArgs(t, ['--pin-env', 'HSM_PIN', '--output', 'json']), {
        env: { ...(t.env as Record<string, string>), HSM_PIN: t.pin },
      })
      expect(r.code, r.stderr).toBe(0)
      const report = JSON.parse(r.stdout) as Report
      expect(report.token.label).toBe(t.label)
      expect(report.mechanisms.length).toBeGreaterThan(10)
      const outcome = (f: string) => report.features.find((x) => x.feature === f)?.outcome
      for (const f of EXPECT[kind].works) expect(outcome(f)?.status, f).toBe('works')
      for (const [f, why] of Object.entries(EXPECT[kind].missing)) {
        expect(outcome(f)?.status, f).toBe('missing')
        expect(outcome(f)?.missing, f).toMatch(why)
      }
      expect(report.features.filter((f) => f.outcome.status === 'failed')).toEqual([])
      expect(outcome('ScheduleKeyDeletion purges the token objects')?.status).toBe('works')
      expect(report.objectsLeft).toBe(0)
      // Checked independently: no object of the probe's keys on the token; on a throwaway token, not one more object
      // than before (openCryptoki's token is shared with other test files running now, so its count moves).
      expect(report.temporaryKeyIds.length).toBeGreaterThan(3)
      withTokenSession(t, (s) => {
        for (const keyId of report.temporaryKeyIds) expect(objectsWithIdPrefix(s, `${keyId}/`), keyId).toHaveLength(0)
      })
      if (kind !== 'opencryptoki') expect(objectCount(t)).toBe(before)
      expect(r.stdout).not.toContain(t.pin)
    })
  }

  it('without --pin-env it only reads: token, mechanisms, GenerateRandom; nothing created; a readable table', async () => {
    const t = tokens.softhsm2 as TestToken
    const before = objectCount(t)
    const r = await keyward(home, probeArgs(t), { env: t.env as Record<string, string> })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Token:     "${t.label}"`)
    expect(r.stdout).toMatch(/CKM_AES_GCM\s+0x00001087/)
    expect(r.stdout).toMatch(/GenerateRandom\s+works/)
    expect(r.stdout).toMatch(/Sign\/Verify ECC_P256_R1\s+not tried: no PIN/)
    expect(r.stdout).toContain('read-only')
    expect(objectCount(t)).toBe(before)
  })

  it('refuses bad command lines with a reason: unset PIN variable, no module, a module that is no PKCS#11 library, an unknown token, an unknown format', async () => {
    const t = tokens.softhsm2 as TestToken
    const dir = join(home, 'not-a-module')
    mkdirSync(dir, { recursive: true })
    const env = t.env as Record<string, string>
    const runs = await Promise.all([
      keyward(home, probeArgs(t, ['--pin-env', 'KEYWARD_NO_SUCH_PIN']), { env }),
      keyward(home, ['hsm', 'probe'], { env }),
      keyward(home, ['hsm', 'probe', '--module', '/dev/null'], { env }),
      keyward(home, ['hsm', 'probe', '--module', dir], { env }),
      keyward(home, ['hsm', 'probe', '--module', t.modulePath, '--token', 'no-such-token'], { env }),
      keyward(home, [...probeArgs(t), '--output', 'xml'], { env }),
      keyward(home, probeArgs(t, ['--pin-env', 'BAD;NAME']), { env }),
    ])
    expectFailure(runs[0]!, /InvalidParameterValue: --pin-env KEYWARD_NO_SUCH_PIN: the variable is not set/)
    expectFailure(runs[1]!, /MissingParameter: Give --module/)
    expectFailure(runs[2]!, /ProviderUnavailable: The PKCS#11 module \/dev\/null cannot be loaded/)
    expectFailure(runs[3]!, /ProviderUnavailable: The PKCS#11 module .*not-a-module cannot be loaded/)
    expectFailure(runs[4]!, /ProviderUnavailable: No token labelled "no-such-token" .*tokens present: "kw-/)
    expectFailure(runs[5]!, /xml.*invalid|Allowed choices/)
    expectFailure(runs[6]!, /--pin-env "BAD;NAME" is not an environment variable name/)
  })

  it('Ctrl-C while features are tried: the keys made so far are deleted before it exits (130)', async () => {
    const t = tokens.softhsm2 as TestToken
    const before = objectCount(t)
    // The probe runs at the lowest priority (nice execs node, so the signal reaches it): on a loaded machine the
    // probe could otherwise make and delete all its keys between two polls of this test, which then sees none.
    const child = spawn('nice', ['-n', '19', process.execPath, BIN, ...probeArgs(t, ['--pin-env', 'HSM_PIN'])], {
      env: cliEnv(home, { ...(t.env as Record<string, string>), HSM_PIN: t.pin }),
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Interrupt once the probe has made its first key (the token then holds more objects than before).
    const deadline = Date.now() + 60_000
    let seen = before
    // The probe makes and deletes keys quickly: keep the count that showed one, do not count again.
    while ((seen = objectCount(t)) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    expect(seen).toBeGreaterThan(before)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('interrupted: deleting')
    expect(objectCount(t)).toBe(before)
  })

  it('a wrong PIN is LoginFailed, before anything is created', async () => {
    const t = tokens.nss as TestToken
    const before = objectCount(t)
    const r = await keyward(home, probeArgs(t, ['--pin-env', 'HSM_PIN']), {
      env: { ...(t.env as Record<string, string>), HSM_PIN: 'wrong-pin' },
    })
    expectFailure(r, /FailedOperation\.LoginFailed/)
    expect(objectCount(t)).toBe(before)
  })
})
