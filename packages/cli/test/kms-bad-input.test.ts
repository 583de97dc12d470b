/**
 * `keyward kms` and global options with bad flags or values. A command line that does not parse — unknown Action,
 * option or parameter (named with the closest known one), a missing or ill-typed value — exits 2 before anything is
 * sent; a request the KMS refuses exits 1 with tccli's error line. Nothing on stdout, no key created either way.
 * Also `--help` on every command.
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

  it('refuses command lines that do not parse with exit 2, naming the closest parameter, before anything is sent', async () => {
    const cases: [string[], RegExp][] = [
      [['kms', 'CreateKey', '--Alias'], /^error: MissingParameter: --Alias needs a value/],
      [['kms', 'CreateKey', 'Alias', 'x'], /^error: InvalidParameter: Unexpected argument "Alias"/],
      [
        ['kms', 'CreateKey', '--Alias', 'x', '--Type', 'two'],
        /^error: InvalidParameterValue: --Type must be an integer, got "two"/,
      ],
      [['kms', 'NoSuchAction', '--KeyId', 'x'], /^error: InvalidAction: The Action NoSuchAction does not exist/],
      [
        ['kms', 'Encrpyt', '--KeyId', 'x'],
        /^error: InvalidAction: The Action Encrpyt does not exist; did you mean Encrypt\?/,
      ],
      [['kms', 'CreateKey', '--Alias', 'x', '--Alias', 'y'], /^error: InvalidParameter: --Alias is given twice/],
      [
        ['kms', 'Encrypt', '--KeyId', 'k', '--Plaintext', 'aGk=', '--EncryptionContxt', '{"a":"b"}'],
        /^error: UnknownParameter: --EncryptionContxt is not a parameter of Encrypt; did you mean --EncryptionContext\?/,
      ],
      [
        ['kms', 'DescribeKey', '--Keyid', 'k'],
        /^error: UnknownParameter: --Keyid is not a parameter of DescribeKey; did you mean --KeyId\?/,
      ],
      [
        ['kms', 'CreateKey', '--Alias', 'x', '--Tags.0.TagKy', 'k'],
        /^error: UnknownParameter: --Tags\.0\.TagKy is not a parameter of CreateKey; did you mean --Tags\.0\.TagKey\?/,
      ],
      [
        ['kms', 'CreateKey', '--Alias', 'x', '--Tags.1.TagKey', 'k', '--Tags.1.TagValue', 'v'],
        /list indexes must start from 0/,
      ],
      [['kms', 'Encrypt', '--KeyId', 'k'], /^error: MissingParameter: Encrypt needs --Plaintext/],
      [['kms', 'DescribeKeys', '--KeyIds', '[a,]'], /^error: InvalidParameterValue: --KeyIds must be JSON/],
      [
        ['kms', 'Encrypt', '--cli-input-json', '{"KeyId":"k","Plaintxt":"aGk="}'],
        /^error: UnknownParameter: The parameter Plaintxt is not recognized; did you mean Plaintext\?/,
      ],
      [['kms', 'Encrypt', '--cli-input-json', '[1]'], /--cli-input-json must be a JSON object/],
      [
        ['kms', 'ListKeys', '--output', 'yaml'],
        /^error: InvalidParameterValue: --output must be one of json, text, table/,
      ],
      [
        ['kms', 'ListKeys', '--filter', 'Keys[?'],
        /^error: InvalidParameterValue: --filter "Keys\[\?" is not a JMESPath expression/,
      ],
      [
        ['kms', 'ListKeys', '--outptu', 'text'],
        /^error: InvalidParameter: Unknown option --outptu; did you mean --output\?/,
      ],
      [['kms', 'ListKeys', '--version', '2017-03-12'], /the KMS API has one version, 2019-01-18/],
      [['kms', 'ListKeys', '--https-proxy', 'http://p:3128'], /--https-proxy is not supported by keyward/],
      [['kms', 'ListKeys', '--timeout', 'soon'], /--timeout "soon": expected whole seconds/],
      [
        ['kms', 'ListKeys', '--secretId', 'AKIDx', '--secretKey', 'y'],
        /credentials for a remote KMS: add --region, --endpoint or --profile/,
      ],
      [['kms'], /^error: MissingParameter: Missing the Action/],
      [
        ['--provider', 'nonsense', 'kms', 'ListKeys'],
        /^error: InvalidParameterValue: --provider "nonsense": expected one of software, pkcs11, tencent-kms/,
      ],
      [['--region', 'Mars', 'kms', 'ListKeys'], /Region "Mars" is not a Tencent Cloud region name/],
      [['kms', 'ListKeys', '--endpoint', 'https://kms.example.com/'], /--endpoint .*expected host\[:port\]/],
      [
        [
          'encrypt',
          '--key-id',
          '00000000-0000-0000-0000-000000000000',
          '--in',
          'x',
          '--out',
          'y',
          '--context',
          'novalue',
        ],
        /--context "novalue": expected key=value/,
      ],
    ]
    const runs = await Promise.all(cases.map(([args]) => keyward(home, args)))
    for (const [i, r] of runs.entries()) {
      const [args, pattern] = cases[i] as [string[], RegExp]
      expectFailure(r, pattern)
      expect(r.code, args.join(' ')).toBe(2)
    }
    expect((await kms(home, 'ListKeys'))['TotalCount']).toBe(0)
  })

  it("requests the KMS refuses exit 1 with tccli's error line; so do a missing profile and an HSM not configured", async () => {
    const runs = await Promise.all([
      keyward(home, ['kms', 'CreateKey', '--Alias', 'x', '--KeyUsage', 'BOGUS']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'bad alias with spaces']),
      keyward(home, ['kms', 'GenerateRandom', '--NumberOfBytes', '0']),
      keyward(home, ['kms', 'Encrypt', '--KeyId', 'k', '--Plaintext', 'not base64!']),
      keyward(home, ['kms', 'ListKeys', '--profile', 'absent']),
      keyward(home, ['--provider', 'pkcs11', 'serve', '--port', '0']),
    ])
    const api = /^\[TencentCloudSDKException\] code:(\S+) message:(.*) requestId:[0-9a-f-]{36}\n$/
    expectFailure(runs[0]!, api)
    expect(api.exec(runs[0]!.stderr)?.slice(1, 3)).toEqual([
      'InvalidParameterValue',
      expect.stringMatching(/^KeyUsage must be one of /),
    ])
    expectFailure(runs[1]!, /^\[TencentCloudSDKException\] code:InvalidParameterValue.*Alias/)
    expectFailure(runs[2]!, /^\[TencentCloudSDKException\] code:InvalidParameterValue.*NumberOfBytes/)
    expectFailure(runs[3]!, /^\[TencentCloudSDKException\] code:(InvalidParameter|InvalidParameterValue) .*Plaintext/)
    expectFailure(runs[4]!, /^error: InvalidParameterValue: Profile absent does not exist/)
    // No token configured: the PKCS#11 provider names what is missing before anything listens.
    expectFailure(runs[5]!, /^error: MissingParameter: Give tokenLabel or slotIndex/)
    for (const r of runs) expect(r.code).toBe(1)
    expect((await kms(home, 'ListKeys'))['TotalCount']).toBe(0)
  })

  it('answers --help on every command, exit 0', async () => {
    const commands = [
      [],
      ['encrypt'],
      ['decrypt'],
      ['sign'],
      ['verify'],
      ['import-key'],
      ['audit'],
      ['audit', 'verify'],
      ['audit', 'list'],
      ['audit', 'tail'],
      ['configure'],
      ['serve'],
    ]
    const runs = await Promise.all(commands.map((c) => keyward(home, [...c, '--help'])))
    for (const [i, r] of runs.entries()) {
      expect(r.code, commands[i]!.join(' ')).toBe(0)
      expect(r.stdout).toMatch(/^Usage: keyward/)
      expect(r.stdout).toContain('--home <dir>')
    }
    expect(runs[0]!.stdout).toMatch(/\n {2}kms <Action> \[params\.\.\.\] +Run a Tencent KMS API Action/)
  })
})
