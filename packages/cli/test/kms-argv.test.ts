/** The tccli-style command line of `keyward kms`, parsed in process against the SDK's request models. */
import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { UsageError } from '../src/cli-error.js'
import { splitKmsArgv } from '../src/kms/kms-argv.js'
import { buildRequest } from '../src/kms/request-params.js'

const request = (words: string[]): Record<string, unknown> => {
  const argv = splitKmsArgv(words)
  return buildRequest(argv.action as string, argv.params)
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (e) {
    if (e instanceof UsageError) return e
    throw e
  }
  throw new Error('expected a UsageError')
}

describe('splitKmsArgv + buildRequest', () => {
  it('types values by the model: integers, strings kept verbatim (JSON text, digits), lists, structures', () => {
    expect(request(['CreateKey', '--Alias', '123', '--Type', '2', '--Description', '{"not":"parsed"}'])).toEqual({
      Alias: '123',
      Type: 2,
      Description: '{"not":"parsed"}',
    })
    expect(request(['Encrypt', '--KeyId', 'k', '--Plaintext', 'aGk=', '--EncryptionContext', '{"a":"b"}'])).toEqual({
      KeyId: 'k',
      Plaintext: 'aGk=',
      EncryptionContext: '{"a":"b"}',
    })
    expect(request(['DescribeKeys', '--KeyIds', 'a', 'b', 'c'])).toEqual({ KeyIds: ['a', 'b', 'c'] })
    expect(request(['DescribeKeys', '--KeyIds', '["a","b"]'])).toEqual({ KeyIds: ['a', 'b'] })
    expect(request(['CreateKey', '--Alias', 'x', '--Tags', '[{"TagKey":"k","TagValue":"v"}]'])).toEqual({
      Alias: 'x',
      Tags: [{ TagKey: 'k', TagValue: 'v' }],
    })
    expect(
      request([
        'CreateKey',
        '--Alias',
        'x',
        '--Tags.0.TagKey',
        'env',
        '--Tags.0.TagValue',
        'dev',
        '--Tags.1.TagKey',
        'team',
        '--Tags.1.TagValue',
        'pay',
      ]),
    ).toEqual({
      Alias: 'x',
      Tags: [
        { TagKey: 'env', TagValue: 'dev' },
        { TagKey: 'team', TagValue: 'pay' },
      ],
    })
    expect(
      request([
        'ListKeyDetail',
        '--TagFilters.0.TagKey',
        'env',
        '--TagFilters.0.TagValue',
        'dev',
        'prod',
        '--Limit',
        '5',
      ]),
    ).toEqual({ TagFilters: [{ TagKey: 'env', TagValue: ['dev', 'prod'] }], Limit: 5 })
    expect(request(['CreateAccount', '--AccountName', 'ops', '--Role', 'admin'])).toEqual({
      AccountName: 'ops',
      Role: 'admin',
    })
  })

  it("takes tccli's global options anywhere, --name=value, help in either place, and PEM values that start with dashes", () => {
    const a = splitKmsArgv([
      '--output',
      'text',
      'Encrypt',
      '--KeyId=k',
      '--filter',
      'CiphertextBlob',
      '--Plaintext',
      'aGk=',
      '--cli-unfold-argument',
    ])
    expect([a.action, a.globals.get('output'), a.globals.get('filter'), a.globals.get('cli-unfold-argument')]).toEqual([
      'Encrypt',
      'text',
      'CiphertextBlob',
      true,
    ])
    expect(a.params.map((p) => [p.flag, p.values])).toEqual([
      ['--KeyId', ['k']],
      ['--Plaintext', ['aGk=']],
    ])
    expect(splitKmsArgv(['Encrypt', 'help']).help).toBe(true)
    expect(splitKmsArgv(['help']).action).toBeUndefined()
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----'
    expect(request(['GenerateDataKey', '--KeyId', 'k', '--EncryptionPublicKey', pem])).toEqual({
      KeyId: 'k',
      EncryptionPublicKey: pem,
    })
    expect(splitKmsArgv(['CreateKey', '--generate-cli-skeleton', 'input']).globals.get('generate-cli-skeleton')).toBe(
      'input',
    )
    expect(splitKmsArgv(['CreateKey', '--generate-cli-skeleton']).globals.get('generate-cli-skeleton')).toBe(true)
    expect(splitKmsArgv(['ListKeys', '--version', '2019-01-18']).globals.get('version')).toBe('2019-01-18')
  })

  it('pads base64 parameters as Tencent accepts them, and only those', () => {
    expect(request(['Encrypt', '--KeyId', 'k', '--Plaintext', 'dGVzdCUyMHBsYWluJTIwdGV4dA'])).toMatchObject({
      Plaintext: 'dGVzdCUyMHBsYWluJTIwdGV4dA==',
    })
    expect(request(['Encrypt', '--KeyId', 'k', '--Plaintext', 'aGVsbG8'])).toMatchObject({ Plaintext: 'aGVsbG8=' })
    expect(request(['CreateKey', '--Alias', 'abcdef'])).toEqual({ Alias: 'abcdef' })
  })

  it('refuses, as usage errors naming the closest name: unknown parameters at any depth, bad types, gaps, repeats, missing values', () => {
    const cases: [string[], string, RegExp][] = [
      [
        ['Encrypt', '--KeyId', 'k', '--Plaintext', 'a', '--EncryptionContxt', '{}'],
        'UnknownParameter',
        /did you mean --EncryptionContext\?/,
      ],
      [['DescribeKey', '--keyId', 'k'], 'UnknownParameter', /--keyId is not a parameter; did you mean --KeyId\?/],
      [
        ['DescribeKey', '--KeyId', 'k', '--fliter', 'KeyMetadata'],
        'InvalidParameter',
        /Unknown option --fliter; did you mean --filter\?/,
      ],
      [
        ['CreateKey', '--Alias', 'x', '--Tags.0.Tagkey', 'k'],
        'UnknownParameter',
        /--Tags\.0\.Tagkey is not a parameter of CreateKey; did you mean --Tags\.0\.TagKey\?/,
      ],
      [
        ['CreateKey', '--Alias', 'x', '--Tags.0.Colour', 'k'],
        'UnknownParameter',
        /--Tags\.0\.Colour is not a parameter of CreateKey\. /,
      ],
      [['CreateKey', '--Alias', 'x', '--Type', '1.5'], 'InvalidParameterValue', /--Type must be an integer/],
      [['CreateKey', '--Alias', 'x', '--Alias.Sub', 'y'], 'InvalidParameter', /Alias has no fields/],
      [
        ['CreateKey', '--Alias', 'x', '--Tags.TagKey', 'k'],
        'InvalidParameter',
        /Tags is a list; write --Tags\.0\.<Field>/,
      ],
      [
        ['CreateKey', '--Alias', 'x', '--Tags.0.TagKey', 'a', '--Tags.2.TagKey', 'b'],
        'InvalidParameter',
        /must start from 0 without gaps/,
      ],
      [['CreateKey', '--Alias', 'x', '--Tags', '{"TagKey":"k"}'], 'InvalidParameterValue', /must be a JSON list/],
      [['CreateKey', '--Alias'], 'MissingParameter', /--Alias needs a value/],
      [['CreateKey', '--Alias', '--Type', '1'], 'MissingParameter', /--Alias needs a value/],
      [['CreateKey', '--Type', '1'], 'MissingParameter', /CreateKey needs --Alias/],
      [['--KeyId', 'k', 'Encrypt'], 'InvalidParameter', /comes before the Action/],
      [['Encrypt', 'Decrypt'], 'InvalidParameter', /Unexpected argument "Decrypt"/],
      [['encrypt'], 'InvalidAction', /is not an Action name/],
      [
        ['ListKeys', '--role-arn', 'qcs::cam::uin/1:roleName/x'],
        'InvalidParameter',
        /not supported by keyward: STS AssumeRole/,
      ],
      [['ListKeys', '--output', 'yaml'], 'InvalidParameterValue', /--output must be one of json, text, table/],
      [['ListKeys', '--warning=on'], 'InvalidParameter', /--warning takes no value/],
      [['ListKeys', '--output', 'text', '--output', 'json'], 'InvalidParameter', /--output is given twice/],
    ]
    for (const [words, code, message] of cases) {
      const e = usageError(() => request(words))
      expect([e.code, e.message], words.join(' ')).toEqual([code, expect.stringMatching(message)])
      expect(isKeywardError(e)).toBe(true)
    }
  })
})
