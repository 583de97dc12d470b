/**
 * `keyward audit verify` over the hash-chained audit log (then a tampered one), and `keyward serve` with
 * `keyward kms --endpoint` against it — sharing keys and audit log with the embedded CLI.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { expectFailure, keyward, kms, requireBuiltCli, startServe, SLOW_TEST_MS } from './cli-harness.js'

describe('keyward audit verify', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-audit-'))
  })
  afterAll(() => remove())

  it('(7) verifies the chain of every CLI call, then names the entry an edit broke and notices a removed tail', async () => {
    const keyId = (await kms(home, 'CreateKey', { Alias: 'audited' }))['KeyId'] as string
    await kms(home, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })
    expect((await keyward(home, ['kms', 'DisableKey', '--KeyId', 'no-such-key'])).code).toBe(1)
    const ok = await keyward(home, ['audit', 'verify'])
    // The dev account's creation, CreateKey, Encrypt, the refused DisableKey.
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, 'audit log ok: 4 entries, hash chain and MACs intact\n', ''])

    const db = new Database(join(home, 'server.db'))
    try {
      const row = db.prepare('SELECT action, result, source_ip FROM srv_audit WHERE seq = 4').get() as Record<
        string,
        string
      >
      expect(row).toEqual({ action: 'DisableKey', result: 'ResourceUnavailable.CmkNotFound', source_ip: 'cli' })
      // Hide the failed attempt, as an intruder would.
      db.prepare("UPDATE srv_audit SET result = 'Success' WHERE seq = 4").run()
    } finally {
      db.close()
    }
    const edited = await keyward(home, ['audit', 'verify'])
    expectFailure(edited, /^audit log TAMPERED at entry #4: entry #4 was altered/)

    const db2 = new Database(join(home, 'server.db'))
    try {
      db2.prepare("UPDATE srv_audit SET result = 'ResourceUnavailable.CmkNotFound' WHERE seq = 4").run()
      db2.prepare('DELETE FROM srv_audit WHERE seq = 4').run()
    } finally {
      db2.close()
    }
    expectFailure(
      await keyward(home, ['audit', 'verify']),
      /^audit log TAMPERED at entry #4: .*entries were removed or added/,
    )
  })

  it('says there is nothing to verify in a home without a server store', async () => {
    const empty = tempDir('keyward-cli-noaudit-')
    try {
      expectFailure(await keyward(empty.dir, ['audit', 'verify']), /^error: InvalidParameterValue: No server store in /)
    } finally {
      empty.remove()
    }
  })
})

describe('keyward serve', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-serve-'))
  })
  afterAll(() => remove())

  it('(8) prints endpoint and dev credentials then `listening on`; kms --endpoint works with them; the embedded CLI shares keys and audit log; SIGTERM closes', async () => {
    const serve = await startServe(home)
    try {
      const out = serve.output()
      const lines = out.trimEnd().split('\n')
      expect(lines.at(-1)).toBe(`listening on http://${serve.endpoint}`)
      expect(serve.endpoint).toMatch(/^127\.0\.0\.1:\d+$/)
      expect(out).toContain(`endpoint: ${serve.endpoint}`)
      const secretId = /SecretId:\s+(\S+)/.exec(out)?.[1] as string
      const secretKey = /SecretKey:\s+(\S+)/.exec(out)?.[1] as string
      expect(secretId).toMatch(/^AKID/)
      const creds = { TENCENTCLOUD_SECRET_ID: secretId, TENCENTCLOUD_SECRET_KEY: secretKey }

      const created = await kms(home, 'CreateKey', { Alias: 'over-http' }, ['--endpoint', serve.endpoint], creds)
      const keyId = created['KeyId'] as string
      const enc = await kms(
        home,
        'Encrypt',
        { KeyId: keyId, Plaintext: 'aGVsbG8=', EncryptionContext: '{"a":"b"}' },
        ['--endpoint', serve.endpoint],
        creds,
      )
      // The embedded CLI on the same home opens what went through the server, as the same account.
      const dec = await kms(home, 'Decrypt', {
        CiphertextBlob: enc['CiphertextBlob'] as string,
        EncryptionContext: '{"a":"b"}',
      })
      expect([dec['KeyId'], dec['Plaintext']]).toEqual([keyId, 'aGVsbG8='])

      // The embedded answer is the server's own, field for field (only the RequestId differs).
      const [viaHttp, embedded] = await Promise.all([
        keyward(home, ['kms', 'DescribeKey', '--KeyId', keyId, '--endpoint', serve.endpoint], { env: creds }),
        keyward(home, ['kms', 'DescribeKey', '--KeyId', keyId]),
      ])
      const noId = (text: string): string => text.replace(/"RequestId": "[^"]+"/, '"RequestId": "-"')
      expect(viaHttp.code, viaHttp.stderr).toBe(0)
      expect(noId(embedded.stdout)).toBe(noId(viaHttp.stdout))

      // An envelope file made through the endpoint opens with the embedded CLI (both name the provider tencent-kms).
      writeFileSync(join(home, 'doc.txt'), 'envelope over http')
      const e = await keyward(
        home,
        [
          '--endpoint',
          serve.endpoint,
          'encrypt',
          '--key-id',
          keyId,
          '--in',
          join(home, 'doc.txt'),
          '--out',
          join(home, 'doc.kwe'),
          '--context',
          'k=v',
        ],
        { env: creds },
      )
      expect(e.code, e.stderr).toBe(0)
      const d = await keyward(home, [
        'decrypt',
        '--key-id',
        keyId,
        '--in',
        join(home, 'doc.kwe'),
        '--out',
        join(home, 'doc.out'),
        '--context',
        'k=v',
      ])
      expect(d.code, d.stderr).toBe(0)
      expect(readFileSync(join(home, 'doc.out'), 'utf8')).toBe('envelope over http')

      const [wrong, missing] = await Promise.all([
        keyward(home, ['kms', 'ListKeys', '--endpoint', serve.endpoint], {
          env: { ...creds, TENCENTCLOUD_SECRET_ID: 'AKIDnotanaccount0000' },
        }),
        keyward(home, ['--endpoint', serve.endpoint, 'kms', 'ListKeys'], { env: { HOME: home } }),
      ])
      expectFailure(
        wrong,
        new RegExp(
          `^→ http://${serve.endpoint}\n\\[TencentCloudSDKException\\] code:AuthFailure\\.SecretIdNotFound message:.* requestId:\\S+\n$`,
        ),
      )
      expectFailure(missing, /No credentials for the remote KMS/)
      const audit = await keyward(home, ['audit', 'verify'])
      // The dev account, CreateKey, Encrypt, Decrypt, 2 DescribeKey, GenerateDataKey (encrypt over http), Decrypt
      // (decrypt here), the refused ListKeys
      expect(audit.stdout).toMatch(/^audit log ok: 9 entries/)
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
  })
})
