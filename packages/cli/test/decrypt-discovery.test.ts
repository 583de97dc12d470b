/**
 * Issue 16 item 5: `keyward decrypt` opens a file only under the CMK the caller names (`--key-id`), or under any CMK
 * the caller may use when asked to (`--discovery`, as the AWS Encryption SDK CLI) — never by default — and says on
 * stderr which CMK decrypted it. Runs the built binary.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe('keyward decrypt: which CMK may open a file is explicit', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let mine = ''
  let other = ''
  const file = (name: string): string => join(home, name)

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-discovery-'))
    mine = (await kms(home, 'CreateKey', { Alias: 'payroll' }))['KeyId'] as string
    other = (await kms(home, 'CreateKey', { Alias: 'someone-elses' }))['KeyId'] as string
    writeFileSync(file('payroll.csv'), 'alice,100\nbob,200\n')
    writeFileSync(file('planted.csv'), 'alice,999999\n')
    for (const [input, keyId] of [
      ['payroll.csv', mine],
      ['planted.csv', other],
    ] as const) {
      const r = await keyward(home, ['encrypt', '--key-id', keyId, '--in', file(input), '--out', file(`${input}.kwe`)])
      expect(r.code, r.stderr).toBe(0)
    }
  })
  afterAll(() => remove())

  it('without --key-id or --discovery it refuses to run (exit 2) and writes nothing; both together are refused too', async () => {
    const [none, both] = await Promise.all([
      keyward(home, ['decrypt', '--in', file('payroll.csv.kwe'), '--out', file('none.csv')]),
      keyward(home, [
        'decrypt',
        '--key-id',
        mine,
        '--discovery',
        '--in',
        file('payroll.csv.kwe'),
        '--out',
        file('both.csv'),
      ]),
    ])
    expectFailure(none, /^error: MissingParameter: decrypt needs --key-id <KeyId> .* or --discovery /)
    expectFailure(both, /^error: InvalidParameter: --key-id and --discovery exclude each other/)
    expect([none.code, both.code]).toEqual([2, 2])
    expect(existsSync(file('none.csv')) || existsSync(file('both.csv'))).toBe(false)
  })

  it('--key-id opens a file under that CMK and names it on stderr; a file planted under another CMK the caller may use is refused', async () => {
    const ok = await keyward(home, [
      'decrypt',
      '--key-id',
      mine,
      '--in',
      file('payroll.csv.kwe'),
      '--out',
      file('payroll.out'),
    ])
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, '', `decrypted with CMK ${mine} (tencent-kms)\n`])
    expect(readFileSync(file('payroll.out'), 'utf8')).toBe('alice,100\nbob,200\n')
    const planted = await keyward(home, [
      'decrypt',
      '--key-id',
      mine,
      '--in',
      file('planted.csv.kwe'),
      '--out',
      file('planted.out'),
    ])
    expectFailure(planted, /^error: InvalidParameterValue\.InvalidCiphertext: Decryption failed/)
    expect(existsSync(file('planted.out'))).toBe(false)
  })

  it('--discovery opens a file under any usable CMK and says which one did; --quiet keeps stderr empty', async () => {
    const r = await keyward(home, [
      'decrypt',
      '--discovery',
      '--in',
      file('planted.csv.kwe'),
      '--out',
      file('discovered.out'),
    ])
    expect([r.code, r.stderr]).toEqual([0, `decrypted with CMK ${other} (tencent-kms)\n`])
    expect(readFileSync(file('discovered.out'), 'utf8')).toBe('alice,999999\n')
    const quiet = await keyward(home, [
      '--quiet',
      'decrypt',
      '--discovery',
      '--in',
      file('payroll.csv.kwe'),
      '--out',
      '-',
    ])
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, 'alice,100\nbob,200\n', ''])
  })

  it('a malformed --key-id is a usage error before anything is read', async () => {
    const r = await keyward(home, [
      'decrypt',
      '--key-id',
      'not a key!',
      '--in',
      file('payroll.csv.kwe'),
      '--out',
      file('bad.out'),
    ])
    expectFailure(r, /InvalidParameterValue\.InvalidKeyId: --key-id "not a key!" is not a valid KeyId/)
    expect(r.code).toBe(2)
  })
})
