import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyAuditChain } from '@keyward/server'
import { b64, codeOf, sdkClient, startTestServer, type TestServer } from './server-harness.js'
import { rawRequest } from './raw-request.js'

const ADMIN = { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' }

describe('hash-chained audit log', () => {
  let t: TestServer
  let keyId: string
  let plaintext: string
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    keyId = (await t.admin.CreateKey({ Alias: 'audited' })).KeyId!
    plaintext = b64('top secret payload 12345')
    const e = await t.admin.Encrypt({ KeyId: keyId, Plaintext: plaintext })
    await t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! })
    await codeOf(t.admin.DescribeKey({ KeyId: '00000000-0000-0000-0000-000000000000' }))
    await codeOf(sdkClient(t.server.url, 'AKIDtestadmin0000000000000000001', 'wrong-key-00000000000000000000').GetRegions())
  })
  afterAll(async () => { await t.close() })

  it('records every request (account, action, key, result, RequestId, time, source IP) and no payloads', async () => {
    const entries = await t.server.store.audit.entries()
    expect(entries.map((e) => [e.action, e.result])).toEqual([
      ['CreateKey', 'Success'], ['Encrypt', 'Success'], ['Decrypt', 'Success'],
      ['DescribeKey', 'ResourceUnavailable.CmkNotFound'], ['GetRegions', 'AuthFailure.SignatureFailure'],
    ])
    const admin = (await t.server.accounts()).find((a) => a.name === 'admin')!
    expect(entries[1]).toMatchObject({ accountId: admin.accountId, keyId, sourceIp: '127.0.0.1', seq: 2 })
    expect(entries[1]!.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(Math.abs(entries[1]!.time - Date.now())).toBeLessThan(60_000)
    expect(entries[4]!.accountId).toBe('')
    const dump = JSON.stringify(await t.server.store.db.all('SELECT * FROM srv_audit'))
    expect(dump).not.toContain(plaintext)
    expect(dump).not.toContain('top secret')
    expect(await verifyAuditChain(t.server.store)).toEqual({ ok: true, entries: 5, headHash: entries[4]!.hash })
  })

  it('detects an edited entry', async () => {
    const db = t.server.store.db
    await db.run("UPDATE srv_audit SET result = 'Success' WHERE seq = 4")
    const r = await verifyAuditChain(t.server.store)
    expect(r).toMatchObject({ ok: false, firstBadSeq: 4 })
    expect(r.reason).toMatch(/altered/)
    await db.run("UPDATE srv_audit SET result = 'ResourceUnavailable.CmkNotFound' WHERE seq = 4")
    expect((await verifyAuditChain(t.server.store)).ok).toBe(true)
  })

  it('detects a deleted entry in the middle and a cut-off tail', async () => {
    const db = t.server.store.db
    const [row] = await db.all('SELECT * FROM srv_audit WHERE seq = 3')
    await db.run('DELETE FROM srv_audit WHERE seq = 3')
    expect(await verifyAuditChain(t.server.store)).toMatchObject({ ok: false, firstBadSeq: 3 })
    const cols = Object.keys(row!)
    await db.run(`INSERT INTO srv_audit (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row![c]!))
    expect((await verifyAuditChain(t.server.store)).ok).toBe(true)
    await db.run('DELETE FROM srv_audit WHERE seq = 5')
    const cut = await verifyAuditChain(t.server.store)
    expect(cut).toMatchObject({ ok: false, entries: 4, firstBadSeq: 5 })
    expect(cut.reason).toMatch(/removed/)
  })

  it('behind a trusted proxy the client address from X-Forwarded-For is recorded', async () => {
    const t2 = await startTestServer({ memoryKeys: true, trustProxy: '127.0.0.1' })
    try {
      const r = await rawRequest(t2.server.url, { ...ADMIN, body: {}, headers: { 'X-Forwarded-For': '203.0.113.7' } })
      expect(r.json?.Response?.Regions).toEqual(['ap-guangzhou'])
      const [entry] = await t2.server.store.audit.entries()
      expect(entry!.sourceIp).toBe('203.0.113.7')
    } finally {
      await t2.close()
    }
  })

  it('detects a re-hashed forgery that does not link to its predecessor', async () => {
    const t2 = await startTestServer({ memoryKeys: true })
    try {
      await t2.admin.GetRegions()
      await t2.admin.GetRegions()
      await t2.server.store.db.run("UPDATE srv_audit SET prev_hash = ? WHERE seq = 2", ['f'.repeat(64)])
      expect(await verifyAuditChain(t2.server.store)).toMatchObject({ ok: false, firstBadSeq: 2 })
    } finally {
      await t2.close()
    }
  })
})
