/**
 * `keyward audit list|tail`: reading the audit log, filtered by time, Action, key and account, as text or JSON
 * lines; `tail --follow` prints entries as other processes append them.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { BIN, cliEnv, expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

interface Entry {
  seq: number
  time: string
  accountName: string
  action: string
  keyId: string
  result: string
  requestId: string
  source: string
  hash: string
}

const jsonLines = (text: string): Entry[] =>
  text
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry)

describe('keyward audit list / tail', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let a: string
  let b: string

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-auditlog-'))
    a = (await kms(home, 'CreateKey', { Alias: 'log-a' }))['KeyId'] as string
    b = (await kms(home, 'CreateKey', { Alias: 'log-b' }))['KeyId'] as string
    await kms(home, 'Encrypt', { KeyId: a, Plaintext: 'aGk=' })
    await kms(home, 'Encrypt', { KeyId: b, Plaintext: 'aGk=' })
    await keyward(home, ['kms', 'DisableKey', '--KeyId', '00000000-0000-0000-0000-000000000000'])
    await kms(home, 'CreateAccount', { AccountName: 'auditor' })
  })
  afterAll(() => remove())

  it('list: every entry oldest first; filters by Action, key, account and time; JSON lines carry the chain hash', async () => {
    const [all, enc, onA, admin, recent, future] = await Promise.all([
      keyward(home, ['audit', 'list', '--output', 'json']),
      keyward(home, ['audit', 'list', '--action', 'Encrypt', '--output', 'json']),
      keyward(home, ['audit', 'list', '--key-id', a, '--output', 'json']),
      keyward(home, ['audit', 'list', '--account', 'admin', '--action', 'DisableKey']),
      keyward(home, ['audit', 'list', '--since', '10m', '--output', 'json']),
      keyward(home, ['audit', 'list', '--since', '2099-01-01T00:00:00Z']),
    ])
    const entries = jsonLines(all.stdout)
    expect(entries.map((e) => [e.seq, e.action, e.result])).toEqual([
      // The home's dev account is created, and audited, by the first command.
      [1, 'CreateAccount', 'Success'],
      [2, 'CreateKey', 'Success'],
      [3, 'CreateKey', 'Success'],
      [4, 'Encrypt', 'Success'],
      [5, 'Encrypt', 'Success'],
      [6, 'DisableKey', 'ResourceUnavailable.CmkNotFound'],
      [7, 'CreateAccount', 'Success'],
    ])
    expect(entries.every((e) => e.accountName === 'admin' && e.source === 'cli' && /^[0-9a-f]{64}$/.test(e.hash))).toBe(
      true,
    )
    expect(jsonLines(enc.stdout).map((e) => e.keyId)).toEqual([a, b])
    expect(jsonLines(onA.stdout).map((e) => e.action)).toEqual(['CreateKey', 'Encrypt'])
    expect(admin.stdout).toMatch(
      /^#6 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}admin {2}DisableKey {2}00000000-0000-0000-0000-000000000000 {2}ResourceUnavailable\.CmkNotFound {2}[0-9a-f-]{36} {2}cli\n$/,
    )
    expect(jsonLines(recent.stdout)).toHaveLength(7)
    expect([future.code, future.stdout]).toEqual([0, ''])
    expect((await keyward(home, ['audit', 'list', '--account', 'auditor'])).stdout).toBe('')
    expectFailure(await keyward(home, ['audit', 'list', '--account', 'nobody']), /No account named "nobody"/)
    const bad = await keyward(home, ['audit', 'list', '--since', 'last tuesday'])
    expect(bad.code).toBe(2)
  })

  it('tail: the last N entries; --follow prints entries appended by other processes until Ctrl-C', async () => {
    const last = await keyward(home, ['audit', 'tail', '-n', '2', '--output', 'json'])
    expect(jsonLines(last.stdout).map((e) => e.seq)).toEqual([6, 7])
    const child = spawn(
      process.execPath,
      [BIN, 'audit', 'tail', '-n', '1', '--follow', '--action', 'Decrypt', '--output', 'json'],
      { env: cliEnv(home), cwd: home },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    const blob = (await kms(home, 'Encrypt', { KeyId: a, Plaintext: 'Zm9sbG93' }))['CiphertextBlob'] as string
    await kms(home, 'Decrypt', { CiphertextBlob: blob })
    for (let i = 0; i < 300 && !out.includes('"action":"Decrypt"'); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(jsonLines(out).map((e) => [e.action, e.keyId])).toEqual([['Decrypt', a]])
  })
})
