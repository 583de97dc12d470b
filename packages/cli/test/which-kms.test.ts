/**
 * Which KMS a command talks to. Tencent credentials and a region in the environment (set for other tools) never
 * move a command off the embedded KMS; only --endpoint, --region, --profile, --provider or a config file's
 * provider do, and then the target is printed once on stderr (unless --quiet). tccli's profile files, written by
 * `keyward configure` in tccli's format, carry region, endpoint and credentials.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { resolveTarget } from '../src/target.js'
import {
  expectFailure,
  keyward,
  kms,
  requireBuiltCli,
  SLOW_TEST_MS,
  startServe,
  type ServeChild,
} from './cli-harness.js'

describe('which KMS a command talks to', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let serve: ServeChild & { endpoint: string }
  let creds: Record<string, string>
  /** What a developer's shell holds for real Tencent Cloud (and for tccli). */
  const CLOUD_ENV = {
    TENCENTCLOUD_SECRET_ID: 'AKIDrealProductionKey00',
    TENCENTCLOUD_SECRET_KEY: 'production-secret-key-0000',
    TENCENTCLOUD_REGION: 'ap-guangzhou',
  }

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-target-'))
    mkdirSync(join(home, 'served'))
    serve = await startServe(join(home, 'served'))
    creds = {
      TENCENTCLOUD_SECRET_ID: /SecretId:\s+(\S+)/.exec(serve.output())?.[1] as string,
      TENCENTCLOUD_SECRET_KEY: /SecretKey:\s+(\S+)/.exec(serve.output())?.[1] as string,
    }
  })
  afterAll(async () => {
    serve?.child.kill('SIGTERM')
    await serve?.exited
    remove()
  })

  it('TENCENTCLOUD_* in the environment alone: the embedded KMS, nothing printed about a target', async () => {
    const r = await keyward(home, ['kms', 'CreateKey', '--Alias', 'local-only'], {
      env: { ...CLOUD_ENV, KEYWARD_ENDPOINT: serve.endpoint },
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('→')
    const keyId = (JSON.parse(r.stdout) as { KeyId: string }).KeyId
    // It is in this home's embedded KMS, not on the server the environment also names.
    expect(((await kms(home, 'DescribeKey', { KeyId: keyId }))['KeyMetadata'] as { Alias: string }).Alias).toBe(
      'local-only',
    )
    const remote = await keyward(home, ['kms', 'DescribeKey', '--KeyId', keyId, '--endpoint', serve.endpoint], {
      env: creds,
    })
    expectFailure(remote, /code:ResourceUnavailable\.CmkNotFound/)
  })

  it('--endpoint: the remote KMS, announced once on stderr; --quiet keeps stderr clean', async () => {
    const r = await keyward(home, ['kms', 'CreateKey', '--Alias', 'remote', '--endpoint', serve.endpoint], {
      env: creds,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(`→ http://${serve.endpoint}\n`)
    const quiet = await keyward(home, ['--quiet', 'kms', 'ListKeys', '--endpoint', serve.endpoint], { env: creds })
    expect([quiet.code, quiet.stderr]).toEqual([0, ''])
    expect((JSON.parse(quiet.stdout) as { TotalCount: number }).TotalCount).toBe(1)
    // The file commands announce their target the same way.
    writeFileSync(join(home, 'a.txt'), 'remote envelope')
    const keyId = (JSON.parse(r.stdout) as { KeyId: string }).KeyId
    const enc = await keyward(
      home,
      [
        '--endpoint',
        serve.endpoint,
        'encrypt',
        '--key-id',
        keyId,
        '--in',
        join(home, 'a.txt'),
        '--out',
        join(home, 'a.kwe'),
      ],
      { env: creds },
    )
    expect([enc.code, enc.stderr]).toEqual([0, `→ http://${serve.endpoint}\n`])
  })

  it("a config file's provider, and KEYWARD_PROVIDER, are explicit choices too", async () => {
    const dir = join(home, 'with-config')
    mkdirSync(dir)
    writeFileSync(
      join(dir, 'keyward.config.json'),
      JSON.stringify({ provider: 'tencent-kms', tencent: { endpoint: serve.endpoint } }),
    )
    const r = await keyward(home, ['kms', 'ListKeys'], { cwd: dir, env: creds })
    expect([r.code, r.stderr]).toEqual([0, `→ http://${serve.endpoint}\n`])
    const env = await keyward(home, ['kms', 'ListKeys'], {
      env: { ...creds, KEYWARD_PROVIDER: 'tencent-kms', KEYWARD_ENDPOINT: serve.endpoint },
    })
    expect([env.code, env.stderr]).toEqual([0, `→ http://${serve.endpoint}\n`])
  })

  it('--profile: region, endpoint and credentials from tccli profile files; they win over the environment', async () => {
    const env = { ...CLOUD_ENV, HOME: home }
    // As `tccli configure --profile served` + `tccli configure set kms.endpoint ...` leave them.
    const set = await keyward(
      home,
      [
        '--profile',
        'served',
        'configure',
        'set',
        'secretId',
        creds['TENCENTCLOUD_SECRET_ID'] as string,
        'secretKey',
        creds['TENCENTCLOUD_SECRET_KEY'] as string,
        'region',
        'ap-shanghai',
        'kms.endpoint',
        serve.endpoint,
      ],
      { env },
    )
    expect(set.code, set.stderr).toBe(0)
    const r = await keyward(home, ['kms', 'ListKeys', '--profile', 'served'], { env })
    expect([r.code, r.stderr]).toEqual([0, `→ http://${serve.endpoint}\n`])
    expect((JSON.parse(r.stdout) as { TotalCount: number }).TotalCount).toBe(1)
    expectFailure(await keyward(home, ['kms', 'ListKeys', '--profile', 'nope'], { env }), /Profile nope does not exist/)
  })

  it('--region: Tencent Cloud KMS in that region, announced (resolved without calling it)', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, { HOME: home, TENCENTCLOUD_SECRET_ID: 'AKIDx', TENCENTCLOUD_SECRET_KEY: 'y' })
    try {
      const t = await resolveTarget({ home, region: 'ap-shanghai' })
      expect(t.remote?.announce).toBe('→ Tencent Cloud KMS ap-shanghai\n')
      expect([t.remote?.options.region, t.remote?.options.endpoint, t.remote?.options.protocol]).toEqual([
        'ap-shanghai',
        undefined,
        'https',
      ])
      expect((await resolveTarget({ home })).remote).toBeUndefined()
    } finally {
      process.env = saved
    }
  })
})

describe("keyward configure: tccli's profile files", { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-configure-'))
  })
  afterAll(() => remove())

  it('reads what tccli configure wrote and writes what tccli reads (sorted JSON, 0600), secrets masked', async () => {
    const env = { HOME: home }
    mkdirSync(join(home, '.tccli'))
    // Exactly as tccli 3.x writes them (Utils.dump_json_msg: sorted keys, indent 2, no trailing newline).
    writeFileSync(
      join(home, '.tccli', 'default.credential'),
      '{\n  "secretId": "AKIDtccliWroteThis1234",\n  "secretKey": "tccliSecretKeyABCD"\n}',
    )
    writeFileSync(
      join(home, '.tccli', 'default.configure'),
      JSON.stringify(
        {
          _sys_param: { arrayCount: 10, output: 'json', region: 'ap-beijing', warning: 'off' },
          cvm: { endpoint: 'cvm.tencentcloudapi.com', version: '2017-03-12' },
          kms: { endpoint: 'kms.tencentcloudapi.com', version: '2019-01-18' },
        },
        null,
        2,
      ),
    )
    const list = await keyward(home, ['configure', 'list'], { env })
    expect(list.stdout).toBe(
      [
        'credential:',
        `secretId = ${'*'.repeat(16)}1234`,
        `secretKey = ${'*'.repeat(16)}ABCD`,
        'configure:',
        'region = ap-beijing',
        'output = json',
        'arrayCount = 10',
        'warning = off',
        'kms.version = 2019-01-18',
        'kms.endpoint = kms.tencentcloudapi.com',
        '',
      ].join('\n'),
    )
    const get = await keyward(home, ['configure', 'get', 'region', 'kms.endpoint', 'secretKey'], { env })
    expect(get.stdout).toBe(
      `region = ap-beijing\nkms.endpoint = kms.tencentcloudapi.com\nsecretKey = ${'*'.repeat(16)}ABCD\n`,
    )

    const set = await keyward(home, ['configure', 'set', 'region', 'ap-shanghai', 'output', 'text'], { env })
    expect(set.code, set.stderr).toBe(0)
    const written = readFileSync(join(home, '.tccli', 'default.configure'), 'utf8')
    const parsed = JSON.parse(written) as Record<string, Record<string, unknown>>
    expect(written).toBe(JSON.stringify(parsed, null, 2)) // tccli's layout: indent 2, no trailing newline
    expect(Object.keys(parsed)).toEqual(['_sys_param', 'cvm', 'kms']) // other services kept, keys sorted
    expect(parsed['_sys_param']).toEqual({ arrayCount: 10, output: 'text', region: 'ap-shanghai', warning: 'off' })
    expect(statSync(join(home, '.tccli', 'default.configure')).mode & 0o777).toBe(0o600)

    const bad = await keyward(home, ['configure', 'set', 'output', 'yaml'], { env })
    expect(bad.code).toBe(2)
    const fresh = await keyward(
      home,
      ['--profile', 'new', 'configure', 'set', 'secretId', 'AKIDnew', 'secretKey', 'newkey'],
      { env },
    )
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(statSync(join(home, '.tccli', 'new.credential')).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(join(home, '.tccli', 'new.configure'), 'utf8'))).toEqual({
      _sys_param: { arrayCount: 10, output: 'json', region: 'ap-guangzhou', warning: 'off' },
      kms: { endpoint: 'kms.tencentcloudapi.com', version: '2019-01-18' },
    })
    const removed = await keyward(home, ['--profile', 'new', 'configure', 'remove'], { env })
    expect(removed.code).toBe(0)
    expect((await keyward(home, ['--profile', 'new', 'configure', 'get', 'region'], { env })).code).toBe(2)
  })

  it("interactive keyward configure asks tccli's four questions; Enter keeps what is shown", async () => {
    const env = { HOME: join(home, 'interactive') }
    mkdirSync(env.HOME)
    const { spawnSync } = await import('node:child_process')
    const { BIN, cliEnv } = await import('./cli-harness.js')
    const r = spawnSync(process.execPath, [BIN, 'configure'], {
      env: cliEnv(home, env),
      input: 'AKIDtyped\nkeytyped\n\ntable\n',
      encoding: 'utf8',
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe(
      'TencentCloud API secretId[None]: TencentCloud API secretKey[None]: Default region name[ap-guangzhou]: Default output format[json]: ',
    )
    const cred = JSON.parse(readFileSync(join(env.HOME, '.tccli', 'default.credential'), 'utf8')) as Record<
      string,
      string
    >
    expect(cred).toEqual({ secretId: 'AKIDtyped', secretKey: 'keytyped' })
    const conf = JSON.parse(readFileSync(join(env.HOME, '.tccli', 'default.configure'), 'utf8')) as {
      _sys_param: Record<string, unknown>
    }
    expect([conf._sys_param['region'], conf._sys_param['output']]).toEqual(['ap-guangzhou', 'table'])
  })
})
