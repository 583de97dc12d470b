import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auditMacKey,
  openServerStore,
  parseAuditCheckpoint,
  signAuditCheckpoint,
  verifyAuditChain,
} from '@keyward/server'
import { entryHash } from '../src/store/audit-chain.js'
import { b64, sdkClient, startTestServer, type TestServer } from './server-harness.js'
import { rawRequest } from './raw-request.js'
import { codeOf } from '@keyward/test-support'

const ADMIN = { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' }

describe('hash-chained, keyed audit log', () => {
  let t: TestServer
  let keyId: string
  let plaintext: string
  let macKey: Buffer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    macKey = auditMacKey(t.rootKey)
    keyId = (await t.admin.CreateKey({ Alias: 'audited' })).KeyId!
    plaintext = b64('top secret payload 12345')
    const e = await t.admin.Encrypt({ KeyId: keyId, Plaintext: plaintext })
    await t.admin.Decrypt({ CiphertextBlob: e.CiphertextBlob! })
    await codeOf(t.admin.DescribeKey({ KeyId: '00000000-0000-0000-0000-000000000000' }))
    await codeOf(
      sdkClient(t.server.url, 'AKIDtestadmin0000000000000000001', 'wrong-key-00000000000000000000').GetRegions(),
    )
  })
  afterAll(async () => {
    await t.close()
  })

  it('records every request (account, SecretId, action, key, result, RequestId, time, source IP), the bootstrap account, and no payloads', async () => {
    const entries = await t.server.store.audit.entries()
    expect(entries.map((e) => [e.action, e.result])).toEqual([
      ['CreateAccount', 'Success'],
      ['CreateKey', 'Success'],
      ['Encrypt', 'Success'],
      ['Decrypt', 'Success'],
      ['DescribeKey', 'ResourceUnavailable.CmkNotFound'],
      ['GetRegions', 'AuthFailure.SignatureFailure'],
    ])
    const admin = (await t.server.accounts()).find((a) => a.name === 'admin')!
    expect(entries[0]).toMatchObject({ accountId: admin.accountId, secretId: ADMIN.secretId, sourceIp: 'bootstrap' })
    expect(entries[2]).toMatchObject({
      accountId: admin.accountId,
      secretId: ADMIN.secretId,
      keyId,
      sourceIp: '127.0.0.1',
      seq: 3,
    })
    expect(entries[2]!.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(Math.abs(entries[2]!.time - Date.now())).toBeLessThan(60_000)
    // A failed authentication names no account but keeps the SecretId that was tried (never the signature).
    expect(entries[5]).toMatchObject({ accountId: '', secretId: ADMIN.secretId })
    const dump = JSON.stringify(await t.server.store.db.all('SELECT * FROM srv_audit'))
    expect(dump).not.toContain(plaintext)
    expect(dump).not.toContain('top secret')
    expect(dump).not.toContain('Signature=')
    expect(await verifyAuditChain(t.server.store, { macKey })).toEqual({
      ok: true,
      entries: 6,
      headHash: entries[5]!.hash,
      keyed: true,
      hashes: { sha256: 6, sm3: 0 },
      headHashAlg: 'sha256',
    })
  })

  it('detects an edited entry', async () => {
    const db = t.server.store.db
    await db.run("UPDATE srv_audit SET result = 'Success' WHERE seq = 5")
    const r = await verifyAuditChain(t.server.store, { macKey })
    expect(r).toMatchObject({ ok: false, firstBadSeq: 5 })
    expect(r.reason).toMatch(/altered/)
    await db.run("UPDATE srv_audit SET result = 'ResourceUnavailable.CmkNotFound' WHERE seq = 5")
    expect((await verifyAuditChain(t.server.store, { macKey })).ok).toBe(true)
  })

  it('an edit re-hashed over the whole chain (write access to the database, no root key) fails the MAC', async () => {
    const db = t.server.store.db
    const saved = await db.all('SELECT seq, result, prev_hash, hash FROM srv_audit ORDER BY seq')
    const [head] = await db.all('SELECT seq, hash FROM srv_audit_head')
    await db.run("UPDATE srv_audit SET result = 'Success' WHERE seq = 5")
    // Recompute every hash from #5 on and the head, as an intruder who read the code would.
    let prev = String(saved[3]!['hash'])
    for (const e of await t.server.store.audit.entries(4)) {
      const hash = entryHash({ ...e, prevHash: prev })
      await db.run('UPDATE srv_audit SET prev_hash = ?, hash = ? WHERE seq = ?', [prev, hash, e.seq])
      prev = hash
    }
    await db.run('UPDATE srv_audit_head SET hash = ?', [prev])
    // The keyless chain is consistent again, the keyed one is not.
    expect((await verifyAuditChain(t.server.store)).ok).toBe(true)
    const r = await verifyAuditChain(t.server.store, { macKey })
    expect(r).toMatchObject({ ok: false, firstBadSeq: 5 })
    expect(r.reason).toMatch(/MAC/)
    for (const row of saved)
      await db.run('UPDATE srv_audit SET result = ?, prev_hash = ?, hash = ? WHERE seq = ?', [
        row['result']!,
        row['prev_hash']!,
        row['hash']!,
        row['seq']!,
      ])
    await db.run('UPDATE srv_audit_head SET hash = ?', [head!['hash']!])
    expect((await verifyAuditChain(t.server.store, { macKey })).ok).toBe(true)
  })

  it('detects a deleted entry in the middle and a cut-off tail', async () => {
    const db = t.server.store.db
    const [row] = await db.all('SELECT * FROM srv_audit WHERE seq = 4')
    await db.run('DELETE FROM srv_audit WHERE seq = 4')
    expect(await verifyAuditChain(t.server.store, { macKey })).toMatchObject({ ok: false, firstBadSeq: 4 })
    const cols = Object.keys(row!)
    await db.run(
      `INSERT INTO srv_audit (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      cols.map((c) => row![c]!),
    )
    expect((await verifyAuditChain(t.server.store, { macKey })).ok).toBe(true)
    const [last] = await db.all('SELECT * FROM srv_audit WHERE seq = 6')
    await db.run('DELETE FROM srv_audit WHERE seq = 6')
    const cut = await verifyAuditChain(t.server.store, { macKey })
    expect(cut).toMatchObject({ ok: false, entries: 5, firstBadSeq: 6 })
    expect(cut.reason).toMatch(/removed/)
    await db.run(
      `INSERT INTO srv_audit (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      cols.map((c) => last![c]!),
    )
    expect((await verifyAuditChain(t.server.store, { macKey })).ok).toBe(true)
  })

  it('checkpoints: signed under the root key; a later log must extend them', async () => {
    const r = await verifyAuditChain(t.server.store, { macKey })
    const cp = signAuditCheckpoint(r.entries, r.headHash!, macKey)
    const text = JSON.stringify(cp)
    expect(parseAuditCheckpoint(text, macKey)).toEqual(cp)
    // Edited, or signed under another root key: refused.
    expect(() =>
      parseAuditCheckpoint(text.replace(`"entries":${cp.entries}`, `"entries":${cp.entries - 1}`), macKey),
    ).toThrow(/signature/)
    expect(() => parseAuditCheckpoint(text, auditMacKey(Buffer.alloc(32, 7)))).toThrow(/signature/)
    expect(() => parseAuditCheckpoint('not json', macKey)).toThrow(/JSON/)
    await t.admin.GetRegions()
    expect(await verifyAuditChain(t.server.store, { macKey, checkpoint: cp })).toMatchObject({
      ok: true,
      entries: cp.entries + 1,
    })
  })

  it('behind a trusted proxy the client address from X-Forwarded-For is recorded', async () => {
    const t2 = await startTestServer({ memoryKeys: true, trustProxy: '127.0.0.1' })
    try {
      const r = await rawRequest(t2.server.url, { ...ADMIN, body: {}, headers: { 'X-Forwarded-For': '203.0.113.7' } })
      expect(r.json?.Response?.Regions).toEqual(['ap-guangzhou'])
      const [, entry] = await t2.server.store.audit.entries()
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
      await t2.server.store.db.run('UPDATE srv_audit SET prev_hash = ? WHERE seq = 2', ['f'.repeat(64)])
      expect(await verifyAuditChain(t2.server.store)).toMatchObject({ ok: false, firstBadSeq: 2 })
    } finally {
      await t2.close()
    }
  })

  it('a read-only open neither creates nor migrates tables; verify reports dropped tables instead of re-creating them', async () => {
    const t2 = await startTestServer({ memoryKeys: true })
    const file = join(t2.dir, 'server.db')
    try {
      await t2.admin.GetRegions()
      await t2.server.store.db.run('DROP TABLE srv_audit')
      const ro = await openServerStore({ sqlite: file }, { readOnly: true })
      try {
        const r = await verifyAuditChain(ro, { macKey: auditMacKey(t2.rootKey) })
        expect(r).toMatchObject({ ok: false, entries: 0 })
        expect(r.reason).toMatch(/srv_audit is missing/)
        await expect(ro.db.run('CREATE TABLE x (a TEXT)')).rejects.toThrow()
      } finally {
        await ro.close()
      }
      // Still missing: nothing re-created it.
      expect(await t2.server.store.db.all("SELECT name FROM sqlite_master WHERE name = 'srv_audit'")).toEqual([])
    } finally {
      await t2.close()
    }
  })
})
