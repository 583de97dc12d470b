/** The tccli-style parameter parser, in process (no child processes needed). */
import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { parseKmsParams } from '../src/kms-params.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (isKeywardError(e)) return e.code
    throw e
  }
  throw new Error('expected a KeywardError')
}

describe('parseKmsParams', () => {
  it('keeps strings, converts numeric parameters, parses JSON lists and objects', () => {
    expect(parseKmsParams(['--KeyId', '123', '--NumberOfBytes', '32', '--KeyIds', '["a","b"]', '--Tags', '[{"TagKey":"k","TagValue":"v"}]']))
      .toEqual({ KeyId: '123', NumberOfBytes: 32, KeyIds: ['a', 'b'], Tags: [{ TagKey: 'k', TagValue: 'v' }] })
  })

  it('passes EncryptionContext through as the JSON text the API takes, as tccli does', () => {
    expect(parseKmsParams(['--EncryptionContext', '{"a":"b"}', '--SourceEncryptionContext', '{ "x": "y" }']))
      .toEqual({ EncryptionContext: '{"a":"b"}', SourceEncryptionContext: '{ "x": "y" }' })
  })

  it('builds nested objects and lists from dotted names; comma lists for list parameters', () => {
    expect(parseKmsParams(['--Tags.0.TagKey', 'env', '--Tags.0.TagValue', 'prod', '--KeyIds', 'a, b']))
      .toEqual({ Tags: [{ TagKey: 'env', TagValue: 'prod' }], KeyIds: ['a', 'b'] })
  })

  it('refuses a stray argument, a missing value, a non-integer number, bad list JSON and a repeated parameter', () => {
    expect(codeOf(() => parseKmsParams(['KeyId', 'x']))).toBe('InvalidParameter')
    expect(codeOf(() => parseKmsParams(['--KeyId']))).toBe('MissingParameter')
    expect(codeOf(() => parseKmsParams(['--NumberOfBytes', '3.5']))).toBe('InvalidParameterValue')
    expect(codeOf(() => parseKmsParams(['--KeyIds', '[a,]']))).toBe('InvalidParameterValue')
    expect(codeOf(() => parseKmsParams(['--KeyId', 'a', '--KeyId', 'b']))).toBe('InvalidParameter')
  })
})
