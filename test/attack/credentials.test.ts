/**
 * Finding 8: a SecretKey given through KEYWARD_BOOTSTRAP_SECRET_KEY was printed; a first start that failed to bind
 * (EADDRINUSE) had already created the dev account and consumed its one-time display, leaving it unrecoverable;
 * nobody could issue a new admin SecretKey. Now a supplied SecretKey is never printed, the account is created only
 * once the port is bound, and an admin (or an operator with the home and root key) can rotate a SecretKey.
 */
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openLocalKms, openServerStore, runServe } from '@keyward/server'
import { codeOf, NO_ERROR, tempDir } from '@keyward/test-support'
import { sdkClient, startAttackServer } from './attack-harness.js'

function sink(): { write(s: string): boolean; text: () => string } {
  let text = ''
  return { write: (s: string) => ((text += s), true), text: () => text }
}

const SUPPLIED = { id: 'AKIDsupplied000000000000000000001', key: 'supplied-secret-key-never-printed-01' }

describe('attack 8: credentials hygiene', () => {
  const cleanup: Array<() => unknown> = []
  afterEach(async () => {
    delete process.env['KEYWARD_BOOTSTRAP_SECRET_ID']
    delete process.env['KEYWARD_BOOTSTRAP_SECRET_KEY']
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  it('a SecretKey from KEYWARD_BOOTSTRAP_SECRET_KEY is never printed, by keyward serve or the embedded CLI', async () => {
    const home = tempDir('keyward-attack-creds-')
    cleanup.push(home.remove)
    process.env['KEYWARD_BOOTSTRAP_SECRET_ID'] = SUPPLIED.id
    process.env['KEYWARD_BOOTSTRAP_SECRET_KEY'] = SUPPLIED.key
    const out = sink()
    const server = await runServe({ home: home.dir, port: 0, out, logLevel: 'silent' })
    try {
      expect(out.text()).not.toContain(SUPPLIED.key)
      expect(out.text()).toContain(SUPPLIED.id)
      expect((await sdkClient(server.url, SUPPLIED.id, SUPPLIED.key).GetRegions()).Regions).toEqual(['ap-guangzhou'])
    } finally {
      await server.close()
    }
    const other = tempDir('keyward-attack-creds-local-')
    cleanup.push(other.remove)
    const local = await openLocalKms({ home: other.dir })
    expect(local.initialAccount).toBeUndefined()
    expect(local.account.secretId).toBe(SUPPLIED.id)
    await local.close()
  })

  it('a first start that cannot bind creates nothing; the next start shows the dev credentials, which work', async () => {
    const home = tempDir('keyward-attack-bind-')
    cleanup.push(home.remove)
    const blocker: Server = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    cleanup.push(() => new Promise((r) => blocker.close(r)))
    const port = (blocker.address() as { port: number }).port
    const first = sink()
    expect(await codeOf(runServe({ home: home.dir, port, out: first, logLevel: 'silent' }))).not.toBe(NO_ERROR)
    expect(first.text()).not.toMatch(/SecretKey/)
    const store = await openServerStore({ sqlite: join(home.dir, 'server.db') }, { readOnly: true })
    expect(await store.db.all('SELECT name FROM srv_accounts')).toEqual([])
    await store.close()
    const second = sink()
    const server = await runServe({ home: home.dir, port: 0, out: second, logLevel: 'silent' })
    try {
      const secretId = /SecretId:\s+(\S+)/.exec(second.text())?.[1] ?? ''
      const secretKey = /SecretKey:\s+(\S+)/.exec(second.text())?.[1] ?? ''
      expect((await sdkClient(server.url, secretId, secretKey).GetRegions()).Regions).toEqual(['ap-guangzhou'])
    } finally {
      await server.close()
    }
  })

  it('RotateAccountSecret: an admin issues a new SecretKey (the old one stops working); nobody else can', async () => {
    const t = await startAttackServer()
    cleanup.push(() => t.close())
    const app = await t.account('app')
    const intruder = await t.account('intruder')
    expect(await codeOf(intruder.client.request('RotateAccountSecret', { AccountName: 'app' }))).toBe(
      'UnauthorizedOperation',
    )
    const rotated = (await t.admin.request('RotateAccountSecret', { AccountName: 'app' })) as {
      SecretId: string
      SecretKey: string
    }
    expect(rotated.SecretId).toBe(app.creds.secretId)
    expect(rotated.SecretKey).not.toBe(app.creds.secretKey)
    expect(await codeOf(app.client.GetRegions())).toBe('AuthFailure.SignatureFailure')
    expect((await sdkClient(t.url, rotated.SecretId, rotated.SecretKey).GetRegions()).Regions).toEqual(['ap-guangzhou'])
    const [entry] = (await t.server.store.audit.entries(0, 1000)).filter(
      (e) => e.action === 'RotateAccountSecret' && e.result === 'Success',
    )
    expect(JSON.stringify(entry)).not.toContain(rotated.SecretKey)
  })
})
