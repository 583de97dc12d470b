/**
 * Finding 5: the audit log could be emptied or cut without detection (tail deleted and head rewound, both tables
 * wiped, or dropped: all verified "ok"), and verify re-created dropped tables. Now entries and head carry a MAC
 * under a key derived from the root key, verify opens the store read-only, an empty log beside accounts is a
 * wipe, and a signed checkpoint kept elsewhere catches every cut, rewind and wipe.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  auditMacKey,
  openServerStore,
  signAuditCheckpoint,
  verifyAuditChain,
  type AuditCheckpoint,
} from '@keyward/server'
import { startAttackServer, type AttackServer } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

/** The database as evidence: its main file, and the frames of its write-ahead log (none, or what was there). */
function digest(file: string): string {
  const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)
  return createHash('sha256').update(readFileSync(file)).update(wal).digest('hex')
}

describe('attack 5: the audit log cut, rewound, wiped or dropped', () => {
  let t: AttackServer
  let macKey: Buffer
  let checkpoint: AuditCheckpoint
  /** Head rows as a backup of the database would have had them, with their valid MACs. */
  let backupHeads: Array<Record<string, unknown>>
  beforeEach(async () => {
    t = await startAttackServer()
    macKey = auditMacKey(t.rootKey)
    backupHeads = []
    for (let i = 0; i < 4; i++) {
      await t.admin.GetRegions()
      backupHeads.push(...(await t.server.store.db.all('SELECT * FROM srv_audit_head')))
    }
    const r = await verifyAuditChain(t.server.store, { macKey })
    checkpoint = signAuditCheckpoint(r.entries, r.headHash!, macKey)
    for (let i = 0; i < 3; i++) await t.admin.ListKeys({})
  })
  afterEach(async () => {
    await t.close()
  })

  /** Verifies as `keyward audit verify` does: a read-only open of the file, after the server closed it. */
  async function verifyOffline(withCheckpoint: boolean) {
    await t.server.close()
    const file = join(t.dir, 'server.db')
    const before = digest(file)
    const store = await openServerStore({ sqlite: file }, { readOnly: true })
    try {
      return await verifyAuditChain(store, { macKey, ...(withCheckpoint ? { checkpoint } : {}) })
    } finally {
      await store.close()
      // Checking the evidence changed none of it (SQLite may create an empty -wal/-shm beside it to read it).
      expect(digest(file)).toBe(before)
    }
  }

  it('intact: verifies, with and without the checkpoint', async () => {
    expect(await verifyOffline(true)).toMatchObject({ ok: true, entries: checkpoint.entries + 3, keyed: true })
  })

  it('tail deleted and head rewound: a forged head fails its MAC; a genuine old head (from a backup) is caught by the checkpoint', async () => {
    const db = t.server.store.db
    const earlier = backupHeads[1]!
    await db.run('DELETE FROM srv_audit WHERE seq > ?', [earlier['seq'] as number])
    // Rewritten without the root key: the head's MAC does not verify, checkpoint or not.
    await db.run('UPDATE srv_audit_head SET seq = ?, hash = ?', [earlier['seq'] as number, earlier['hash'] as string])
    expect((await verifyAuditChain(t.server.store, { macKey })).reason).toMatch(/head has no valid MAC/)
    // The genuine head row of that time, MAC and all: consistent, so only the checkpoint can tell.
    await db.run('UPDATE srv_audit_head SET mac = ?', [earlier['mac'] as string])
    expect((await verifyAuditChain(t.server.store, { macKey })).ok).toBe(true)
    const r = await verifyOffline(true)
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/checkpoint .* recorded \d+: entries were removed/)
  })

  it('both tables wiped: refused even without a checkpoint (accounts exist, and their creation is always audited)', async () => {
    await t.server.store.db.run('DELETE FROM srv_audit')
    await t.server.store.db.run('DELETE FROM srv_audit_head')
    expect((await verifyOffline(false)).reason).toMatch(/empty but the store holds accounts/)
  })

  it('both tables dropped: verify reports it without re-creating them, and the server refuses to start a new log over it', async () => {
    await t.server.store.db.run('DROP TABLE srv_audit')
    await t.server.store.db.run('DROP TABLE srv_audit_head')
    const r = await verifyOffline(true)
    expect(r).toMatchObject({ ok: false })
    expect(r.reason).toMatch(/missing \(dropped\?\)/)
    expect(await codeOf(startAttackServer({ store: { sqlite: join(t.dir, 'server.db') } }))).toBe(
      'FailedOperation.StoreError',
    )
  })
})
