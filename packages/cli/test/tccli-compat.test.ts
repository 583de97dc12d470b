/**
 * `keyward kms` against tccli's conventions, through the built binary: help generated from the SDK's request models,
 * `--generate-cli-skeleton` fed back through `--cli-input-json`, `--cli-unfold-argument`, `--version`, unpadded
 * base64 as Tencent accepts it, CreateAccount's string Role, and a closed pipe that ends quietly.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { modelledActions, requestModel, structModel } from '@keyward/server/api-models'
import { TCCLI_GLOBAL_OPTIONS } from '../src/kms/global-options.js'
import { tempDir } from '@keyward/test-support'
import { BIN, cliEnv, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe("tccli's global options", () => {
  it('keyward knows every one tccli defines, and the CLI README says what it does with each', () => {
    const tccli = JSON.parse(
      readFileSync(join(import.meta.dirname, 'fixtures', 'tencentcloud-cli', 'global-options.json'), 'utf8'),
    ) as { options: string[] }
    expect(TCCLI_GLOBAL_OPTIONS.map((o) => o.name)).toEqual(tccli.options)
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
    for (const o of TCCLI_GLOBAL_OPTIONS)
      expect(readme, o.name).toMatch(new RegExp(`\\| \`--${o.name}\` \\| ${o.support}\\b`))
  })
})

describe('keyward kms: tccli conventions', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-tccli-'))
    await kms(home, 'ListKeys')
  })
  afterAll(() => remove())

  it('kms help lists every Action of the model; <Action> help lists each parameter with type, required and description', async () => {
    const [all, encrypt, create, viaHelp] = await Promise.all([
      keyward(home, ['kms', 'help']),
      keyward(home, ['kms', 'Encrypt', 'help']),
      keyward(home, ['kms', 'CreateKey', '--help']),
      keyward(home, ['help', 'kms']),
    ])
    expect(all.code).toBe(0)
    for (const action of modelledActions()) expect(all.stdout, action).toMatch(new RegExp(`\\b${action}\\*?\\b`))
    expect(all.stdout).toContain('--cli-input-json')
    expect(viaHelp.stdout).toBe(all.stdout)
    for (const f of requestModel('Encrypt') ?? []) {
      expect(encrypt.stdout).toMatch(
        new RegExp(`--${f.name} +String +${f.required ? 'required' : 'optional'} +${f.description.slice(0, 8)}`),
      )
    }
    expect(create.stdout).toMatch(/--Type +Integer +optional/)
    expect(create.stdout).toMatch(/--Tags +Array of Tag +optional/)
    expect(create.stdout).toMatch(/--Tags\.0\.TagKey +String +required/)
  })

  it('keyward help kms | head -3 ends quietly (no EPIPE stack trace); so does a large decrypt into a closed pipe', async () => {
    const keyId = (await kms(home, 'CreateKey', { Alias: 'pipe' }))['KeyId'] as string
    const big = join(home, 'big.bin')
    writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 7))
    const env = cliEnv(home)
    expect((await keyward(home, ['encrypt', '--key-id', keyId, '--in', big, '--out', `${big}.kwe`])).code).toBe(0)
    const node = `'${process.execPath}' '${BIN}'`
    const help = spawnSync('bash', ['-c', `${node} help kms | head -3; echo "status=\${PIPESTATUS[0]}" >&2`], {
      env,
      encoding: 'utf8',
    })
    expect(help.stdout.split('\n')).toHaveLength(4)
    expect(help.stderr).toMatch(/^status=(0|141)\n$/)
    const pipe = spawnSync(
      'bash',
      [
        '-c',
        `${node} decrypt --key-id ${keyId} --in '${big}.kwe' --out - | head -c 10 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
      ],
      { env, encoding: 'utf8' },
    )
    expect(pipe.stderr).toMatch(/^status=141\n$/)
  })

  it('--generate-cli-skeleton prints the request shape; filled in, it goes back through --cli-input-json (inline and file://)', async () => {
    const skeleton = await keyward(home, ['kms', 'CreateKey', '--generate-cli-skeleton'])
    expect(skeleton.code).toBe(0)
    const shape = JSON.parse(skeleton.stdout) as Record<string, unknown>
    expect(skeleton.stdout).toBe(`${JSON.stringify(shape, null, 4)}\n`)
    const model = requestModel('CreateKey') ?? []
    expect(Object.keys(shape)).toEqual(model.map((f) => f.name))
    expect(shape['Type']).toBe('Integer')
    expect(shape['Tags']).toEqual([Object.fromEntries((structModel('Tag') ?? []).map((f) => [f.name, 'String']))])
    // The user fills in the skeleton, drops what they do not need, and sends it.
    const request = { Alias: 'from-json', Description: 'made from a skeleton', KeyUsage: 'ENCRYPT_DECRYPT', Type: 1 }
    writeFileSync(join(home, 'req.json'), JSON.stringify(request))
    const [fromFile, inline] = await Promise.all([
      kms(home, 'CreateKey', {}, ['--cli-input-json', `file://${join(home, 'req.json')}`]),
      kms(home, 'CreateKey', {}, [
        '--cli-input-json',
        JSON.stringify({ ...request, Alias: 'inline-json' }),
        '--Description',
        'command line wins',
      ]),
    ])
    expect([fromFile['Alias'], fromFile['Description']]).toEqual(['from-json', 'made from a skeleton'])
    expect([inline['Alias'], inline['Description']]).toEqual(['inline-json', 'command line wins'])
  })

  it('accepts --cli-unfold-argument and dotted names; --version prints the version, --version 2019-01-18 selects the API', async () => {
    const tagged = await kms(
      home,
      'CreateKey',
      { Alias: 'unfolded', 'Tags.0.TagKey': 'env', 'Tags.0.TagValue': 'dev' },
      ['--cli-unfold-argument', '--version', '2019-01-18'],
    )
    expect(tagged['Alias']).toBe('unfolded')
    const version = await keyward(home, ['--version'])
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
    expect([version.code, version.stdout]).toEqual([0, `${pkg.version}\n`])
    expect((await keyward(home, ['kms', 'ListKeys', '--version'])).stdout).toBe(`${pkg.version}\n`)
  })

  it("takes base64 without padding, as Tencent does (the tccli docs' --Plaintext dGVzdCUyMHBsYWluJTIwdGV4dA)", async () => {
    const keyId = (await kms(home, 'CreateKey', { Alias: 'unpadded' }))['KeyId'] as string
    const enc = await kms(home, 'Encrypt', { KeyId: keyId, Plaintext: 'dGVzdCUyMHBsYWluJTIwdGV4dA' })
    const dec = await kms(home, 'Decrypt', { CiphertextBlob: enc['CiphertextBlob'] as string })
    expect(Buffer.from(dec['Plaintext'] as string, 'base64').toString()).toBe('test%20plain%20text')
    const odd = await keyward(home, ['kms', 'Encrypt', '--KeyId', keyId, '--Plaintext', 'dGVzdA='])
    expect(odd.code).toBe(1) // still strictly refused: the padding is wrong, not missing
  })

  it('CreateAccount --Role admin makes an administrator, as the server README documents', async () => {
    const made = await kms(home, 'CreateAccount', { AccountName: 'ops', Role: 'admin' })
    expect(made['SecretId']).toMatch(/^AKID/)
    const plain = await kms(home, 'CreateAccount', { AccountName: 'app' })
    expect(plain['SecretId']).toMatch(/^AKID/)
    const db = new Database(join(home, 'server.db'), { readonly: true })
    try {
      const admin = (name: string): unknown =>
        (db.prepare('SELECT is_admin FROM srv_accounts WHERE name = ?').get(name) as { is_admin: number }).is_admin
      expect([admin('ops'), admin('app')]).toEqual([1, 0])
    } finally {
      db.close()
    }
    // The value is the API's string: a number is not turned into anything else.
    expect(
      execFileSync(process.execPath, [BIN, 'kms', 'CreateAccount', 'help'], { env: cliEnv(home) }).toString(),
    ).toMatch(/--Role +String +optional/)
  })
})
