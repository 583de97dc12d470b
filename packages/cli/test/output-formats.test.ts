/**
 * `--output json|text|table` and `--filter` print byte for byte what tccli prints: the expected outputs in
 * fixtures/tencentcloud-cli/output-formats.json were produced by tccli's own format code and the jmespath package it
 * uses (generate-output-formats.py), from responses of the embedded KMS. Then the built binary, end to end.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { compileFilter, formatResponse, type OutputFormat } from '../src/kms/output/format-output.js'
import { keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'tencentcloud-cli')

interface Case {
  response: string
  filter: string | null
  output: OutputFormat
  expected: string
}

const spec = JSON.parse(readFileSync(join(FIXTURES, 'output-format-cases.json'), 'utf8')) as {
  responses: Record<string, unknown>
}
const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'output-formats.json'), 'utf8')) as { cases: Case[] }

describe('tccli output formats', () => {
  it.each(
    cases.map((c) => [`${c.response} --output ${c.output}${c.filter ? ` --filter '${c.filter}'` : ''}`, c] as const),
  )('%s', (_, c) => {
    const value = spec.responses[c.response]
    const shown = c.filter ? compileFilter(c.filter)(value) : value
    expect(formatResponse(shown, c.output)).toBe(c.expected)
  })
})

describe('keyward kms --output/--filter (built binary)', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-output-'))
  })
  afterAll(() => remove())

  it("captures an id with --filter --output text, before or after the Action, and takes the tccli profile's output", async () => {
    const created = await keyward(home, [
      'kms',
      'CreateKey',
      '--Alias',
      'captured',
      '--filter',
      'KeyId',
      '--output',
      'text',
    ])
    expect(created.code, created.stderr).toBe(0)
    const keyId = created.stdout.trimEnd()
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.stdout).toBe(`${keyId}\n`)
    const before = await keyward(home, [
      '--output',
      'text',
      '--filter',
      'KeyMetadata.[Alias,KeyState]',
      'kms',
      'DescribeKey',
      '--KeyId',
      keyId,
    ])
    expect([before.code, before.stdout]).toEqual([0, 'captured\tEnabled\n'])
    const json = await keyward(home, ['kms', 'DescribeKey', '--KeyId', keyId, '--filter', 'KeyMetadata.Alias'])
    expect(json.stdout).toBe('"captured"\n')
    // tccli reads the default output from ~/.tccli/default.configure; so does keyward (for display only).
    const described = (await kms(home, 'DescribeKey', { KeyId: keyId }))['KeyMetadata'] as Record<string, unknown>
    expect(described['Alias']).toBe('captured')
    const withProfile = await keyward(home, ['configure', 'set', 'output', 'table'], { env: { HOME: home } })
    expect(withProfile.code, withProfile.stderr).toBe(0)
    const table = await keyward(home, ['kms', 'GetRegions'], { env: { HOME: home } })
    expect(table.stdout).toMatch(/^-+\n\|\s+action\s+\|\n/)
    const explicit = await keyward(home, ['kms', 'GetRegions', '--output', 'json', '--filter', 'Regions'], {
      env: { HOME: home },
    })
    expect(JSON.parse(explicit.stdout)).toEqual(['ap-guangzhou'])
  })
})
