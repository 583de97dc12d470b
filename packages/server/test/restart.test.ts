import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { runServe, verifyAuditChain } from '@keyward/server'
import { tempDir } from '@keyward/test-support'
import { b64, sdkClient, startTestServer } from './server-harness.js'

describe('persistence', () => {
  it('a restarted server keeps keys, aliases, accounts, grants, data keys and the audit chain', async () => {
    const first = await startTestServer()
    const bob = await first.account('bob')
    const k = await first.admin.CreateKey({ Alias: 'durable' })
    const e = await first.admin.Encrypt({ KeyId: k.KeyId!, Plaintext: b64('survives restarts') })
    await first.admin.request('CreateGrant', { KeyId: k.KeyId!, GranteeAccountName: 'bob', Operations: ['Decrypt'] })
    const dk = await first.admin.GenerateDataKey({
      KeyId: k.KeyId!,
      KeySpec: 'AES_256',
      IsHostedByKms: 1,
      DataKeyName: 'durable-dek',
    })
    const bobCreds = (await first.server.accounts()).find((a) => a.name === 'bob')!
    void bob
    const { dir, rootKey } = first
    await first.server.close()

    const second = await startTestServer({ reuse: { dir, rootKey } })
    try {
      expect(second.server.initialAccount).toBeUndefined()
      const d = await second.admin.DescribeKey({ KeyId: k.KeyId! })
      expect(d.KeyMetadata!.Alias).toBe('durable')
      expect(
        Buffer.from(
          (await second.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! })).Plaintext!,
          'base64',
        ).toString(),
      ).toBe('survives restarts')
      expect((await second.admin.GetDataKeyPlaintext({ DataKeyId: dk.DataKeyId! })).Plaintext).toBe(dk.Plaintext)
      expect((await second.server.accounts()).map((a) => a.secretId)).toContain(bobCreds.secretId)
      expect((await verifyAuditChain(second.server.store)).ok).toBe(true)
    } finally {
      await second.close()
    }
  })

  it('a different root key cannot open the stored SecretKeys (StoreError, not a wrong answer)', async () => {
    const first = await startTestServer()
    await first.account('carol')
    const { dir } = first
    await first.server.close()
    const second = await startTestServer({
      reuse: { dir, rootKey: Buffer.alloc(32, 9) },
      bootstrap: { secretId: 'AKIDsomeoneelse000000000000000001', secretKey: 'someoneelsesecret00000000000001' },
    })
    try {
      const carol = (await second.server.accounts()).find((a) => a.name === 'carol')!
      const r = await sdkClient(second.server.url, carol.secretId, 'x'.repeat(32))
        .GetRegions()
        .catch((e: { code: string }) => e.code)
      expect(r).toBe('FailedOperation.StoreError')
    } finally {
      await second.close()
    }
  })
})

describe('runServe (what `keyward serve` and `npm start` call)', () => {
  it('prints endpoint and dev credentials once, then exactly one "listening on" line; a restart shows no secrets', async () => {
    const home = tempDir('keyward-home-')
    const saved = { id: process.env['KEYWARD_BOOTSTRAP_SECRET_ID'], root: process.env['KEYWARD_ROOT_KEY'] }
    delete process.env['KEYWARD_BOOTSTRAP_SECRET_ID']
    delete process.env['KEYWARD_ROOT_KEY']
    try {
      const out = new PassThrough()
      let text = ''
      out.on('data', (c: Buffer) => {
        text += c.toString()
      })
      const server = await runServe({ host: '127.0.0.1', port: 0, home: home.dir, out, logLevel: 'silent' })
      const lines = text.trim().split('\n')
      expect(lines.filter((l) => l.startsWith('listening on'))).toEqual([`listening on ${server.url}`])
      expect(lines.at(-1)).toBe(`listening on ${server.url}`)
      const secretId = /SecretId:\s+(\S+)/.exec(text)?.[1]
      const secretKey = /SecretKey:\s+(\S+)/.exec(text)?.[1]
      expect(secretId).toMatch(/^AKID/)
      const client = sdkClient(server.url, secretId!, secretKey!)
      const k = await client.CreateKey({ Alias: 'from-serve' })
      await server.close()

      let again = ''
      const out2 = new PassThrough()
      out2.on('data', (c: Buffer) => {
        again += c.toString()
      })
      const restarted = await runServe({ host: '127.0.0.1', port: 0, home: home.dir, out: out2, logLevel: 'silent' })
      try {
        expect(again).not.toContain(secretKey!)
        expect(again.trim().split('\n').at(-1)).toBe(`listening on ${restarted.url}`)
        const c2 = sdkClient(restarted.url, secretId!, secretKey!)
        expect((await c2.DescribeKey({ KeyId: k.KeyId! })).KeyMetadata!.Alias).toBe('from-serve')
      } finally {
        await restarted.close()
      }
    } finally {
      if (saved.id !== undefined) process.env['KEYWARD_BOOTSTRAP_SECRET_ID'] = saved.id
      if (saved.root !== undefined) process.env['KEYWARD_ROOT_KEY'] = saved.root
      home.remove()
    }
  })
})

describe('secrets never print', () => {
  it("a new account's SecretKey is redacted in JSON and inspect but readable once", async () => {
    const { inspect } = await import('node:util')
    const t = await startTestServer({ memoryKeys: true })
    try {
      const a = await t.server.createAccount({ name: 'printable' })
      expect(a.secretKey).toHaveLength(32)
      expect(JSON.stringify(a)).not.toContain(a.secretKey)
      expect(JSON.stringify(a)).toContain('[REDACTED]')
      expect(inspect(a)).not.toContain(a.secretKey)
      const row = await t.server.store.db.all('SELECT * FROM srv_accounts WHERE name = ?', ['printable'])
      expect(JSON.stringify(row)).not.toContain(a.secretKey)
    } finally {
      await t.close()
    }
  })
})

describe('files', () => {
  it('the SQLite server store is owner-only (0600)', async () => {
    const { statSync } = await import('node:fs')
    const { join } = await import('node:path')
    const t = await startTestServer({ memoryKeys: true })
    try {
      expect(statSync(join(t.dir, 'server.db')).mode & 0o777).toBe(0o600)
    } finally {
      await t.close()
    }
  })
})
