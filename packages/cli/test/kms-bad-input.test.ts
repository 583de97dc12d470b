/**
 * `keyward kms` and global options with bad flags or values: a clear message on stderr, a non-zero exit, nothing on
 * stdout and no key created. Also `--help` on every command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe('keyward kms: bad input', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-bad-'))
    await kms(home, 'ListKeys') // creates the home before the concurrent runs below
  })
  afterAll(() => remove())

  it('refuses bad parameters and values before anything is created', async () => {
    const runs = await Promise.all([
      keyward(home, ['kms', 'CreateKey', '--Alias']),
      keyward(home, ['kms', 'CreateKey', 'Alias', 'x']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'x', '--KeyUsage', 'BOGUS']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'bad alias with spaces']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'x', '--Type', 'two']),
      keyward(home, ['kms', 'NoSuchAction', '--KeyId', 'x']),
      keyward(home, ['kms', 'GenerateRandom', '--NumberOfBytes', '0']),
      keyward(home, ['kms', 'Encrypt', '--KeyId', 'k', '--Plaintext', 'not base64!']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'x', '--Alias', 'y']),
      keyward(home, ['--provider', 'nonsense', 'kms', 'ListKeys']),
      keyward(home, ['--region', 'Mars', 'kms', 'ListKeys'], { env: { TENCENTCLOUD_SECRET_ID: 'AKIDxxxxxxxxxxxx', TENCENTCLOUD_SECRET_KEY: 'yyyyyyyyyyyyyyyy' } }),
      keyward(home, ['kms']),
      keyward(home, ['--provider', 'pkcs11', 'serve', '--port', '0']),
      keyward(home, ['serve', '--port', '99999']),
    ])
    expectFailure(runs[0]!, /^error: MissingParameter: --Alias needs a value/)
    expectFailure(runs[1]!, /^error: InvalidParameter: Unexpected argument "Alias": parameters are given as --Name value/)
    expectFailure(runs[2]!, /^error: InvalidParameterValue: KeyUsage must be one of /)
    expectFailure(runs[3]!, /^error: InvalidParameterValue.*Alias/)
    expectFailure(runs[4]!, /^error: InvalidParameterValue: --Type must be an integer, got "two"/)
    expectFailure(runs[5]!, /^error: InvalidAction: The Action NoSuchAction does not exist/)
    expectFailure(runs[6]!, /^error: InvalidParameterValue.*NumberOfBytes/)
    expectFailure(runs[7]!, /^error: (InvalidParameter|InvalidParameterValue).*Plaintext/)
    expectFailure(runs[8]!, /^error: InvalidParameter: --Alias is given twice/)
    expectFailure(runs[9]!, /^error: InvalidParameterValue: Invalid configuration.*provider/)
    expectFailure(runs[10]!, /Region "Mars" is not a Tencent Cloud region name/)
    expectFailure(runs[11]!, /missing required argument 'Action'/)
    // No token configured: the PKCS#11 provider names what is missing before anything listens.
    expectFailure(runs[12]!, /^error: MissingParameter: Give tokenLabel or slotIndex/)
    expectFailure(runs[13]!, /^error: InvalidParameterValue: --port "99999": expected 0-65535/)
    for (const r of runs) expect([1, 2]).toContain(r.code)
    expect((await kms(home, 'ListKeys'))['TotalCount']).toBe(0)
  })

  it('answers --help on every command, exit 0', async () => {
    const commands = [[], ['kms'], ['encrypt'], ['decrypt'], ['sign'], ['verify'], ['import-key'], ['audit'], ['audit', 'verify'], ['serve']]
    const runs = await Promise.all(commands.map((c) => keyward(home, [...c, '--help'])))
    for (const [i, r] of runs.entries()) {
      expect(r.code, commands[i]!.join(' ')).toBe(0)
      expect(r.stdout).toMatch(/^Usage: keyward/)
      expect(r.stdout).toContain('--home <dir>')
    }
    expect(runs[1]!.stdout).toContain('keyward kms CreateKey --Alias test --KeyUsage ASYMMETRIC_SIGN_VERIFY_SM2')
  })
})
