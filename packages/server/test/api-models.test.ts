import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import {
  checkRequestParams,
  closestName,
  modelledActions,
  requestModel,
  structModel,
} from '../src/protocol/api-models.js'
import { ACTIONS } from '../src/actions/index.js'

const root = join(import.meta.dirname, '../../..')

function codeAndMessage(fn: () => void): string {
  try {
    fn()
  } catch (e) {
    if (isKeywardError(e)) return `${e.code}: ${e.message}`
    throw e
  }
  return 'ok'
}

describe('KMS API request models', () => {
  it('the generated file is what the installed tencentcloud-sdk-nodejs kms_models.d.ts gives', () => {
    // Exits 1 (and the call throws) when the committed file drifted from the SDK's models.
    execFileSync('npx', ['tsx', 'scripts/gen-kms-api-models.ts', '--check'], { cwd: root, stdio: 'pipe' })
    expect(readFileSync(join(root, 'packages/server/src/protocol/kms-api-models.generated.ts'), 'utf8')).toContain(
      'EncryptionContext',
    )
  })

  it("every Action the server answers has a request model (Tencent's or a Keyward extension)", () => {
    const missing = Object.keys(ACTIONS).filter((a) => requestModel(a) === undefined)
    expect(missing).toEqual([])
    expect(modelledActions()).toContain('Encrypt')
  })

  it('models read from the SDK carry types, required flags and nested structures', () => {
    const encrypt = requestModel('Encrypt') ?? []
    expect(encrypt.map((f) => [f.name, f.type, f.required])).toEqual([
      ['KeyId', 'string', true],
      ['Plaintext', 'string', true],
      ['EncryptionContext', 'string', false],
    ])
    const tags = requestModel('CreateKey')?.find((f) => f.name === 'Tags')
    expect(tags).toMatchObject({ type: 'Tag', list: true, required: false })
    expect(structModel('Tag')?.map((f) => f.name)).toEqual(['TagKey', 'TagValue'])
    expect(requestModel('CreateKey')?.find((f) => f.name === 'KeyId')?.description).toMatch(/Keyward extension/)
  })

  it('a misspelled parameter is UnknownParameter naming the closest known one', () => {
    expect(
      codeAndMessage(() => checkRequestParams('Encrypt', { KeyId: 'k', Plaintext: 'cA==', EncryptionContxt: '{}' })),
    ).toBe('UnknownParameter: The parameter EncryptionContxt is not recognized; did you mean EncryptionContext?')
    expect(codeAndMessage(() => checkRequestParams('DescribeKey', { Keyid: 'k' }))).toMatch(
      /Keyid .*did you mean KeyId\?/,
    )
    expect(codeAndMessage(() => checkRequestParams('Encrypt', { KeyId: 'k', Plaintext: 'cA==', Zzzzzzzzzz: 1 }))).toBe(
      'UnknownParameter: The parameter Zzzzzzzzzz is not recognized.',
    )
  })

  it('nested structures are checked too, with the path of the bad name', () => {
    expect(
      codeAndMessage(() =>
        checkRequestParams('CreateKey', { Alias: 'a', Tags: [{ TagKey: 'k', TagValue: 'v' }, { TagKy: 'k' }] }),
      ),
    ).toBe('UnknownParameter: The parameter Tags.1.TagKy is not recognized; did you mean Tags.1.TagKey?')
    expect(
      codeAndMessage(() => checkRequestParams('CreateKey', { Alias: 'a', Tags: [{ TagKey: 'k', TagValue: 'v' }] })),
    ).toBe('ok')
  })

  it('prototype names are unknown parameters, not object members', () => {
    expect(
      codeAndMessage(() =>
        checkRequestParams('Encrypt', JSON.parse('{"__proto__": {"x": 1}, "KeyId": "k"}') as Record<string, unknown>),
      ),
    ).toMatch(/^UnknownParameter: The parameter __proto__/)
    expect(codeAndMessage(() => checkRequestParams('Encrypt', { constructor: 'x' }))).toMatch(/^UnknownParameter/)
  })

  it('Keyward extension parameters and Actions are known; unknown Actions are left to the dispatcher', () => {
    expect(codeAndMessage(() => checkRequestParams('CreateKey', { Alias: 'a', Type: 2, KeyId: 'x' }))).toBe('ok')
    expect(
      codeAndMessage(() =>
        checkRequestParams('CreateGrant', { KeyId: 'k', GranteeAccountName: 'b', Operations: ['Decrypt'] }),
      ),
    ).toBe('ok')
    expect(codeAndMessage(() => checkRequestParams('CreateAccount', { AccountName: 'b', Rol: 'admin' }))).toMatch(
      /did you mean Role\?/,
    )
    expect(codeAndMessage(() => checkRequestParams('NoSuchAction', { Anything: 1 }))).toBe('ok')
  })

  it('closestName prefers a case-only difference and gives up when nothing is close', () => {
    expect(closestName('keyid', ['KeyIds', 'KeyId'])).toBe('KeyId')
    expect(closestName('Plaintxt', ['KeyId', 'Plaintext'])).toBe('Plaintext')
    expect(closestName('Foo', ['KeyId', 'Plaintext'])).toBeUndefined()
  })
})
