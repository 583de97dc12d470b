import { createHash } from 'node:crypto'
import { LOCKS } from './schema.js'
import { int, one, text, type SqlDb, type SqlRow } from './sql-db.js'

/** One request as the audit log keeps it: who, what, which key, how it ended. Never payloads. */
export interface AuditRecord {
  /** Unix ms. */
  time: number
  accountId: string
  action: string
  keyId: string
  /** `Success` or the error code returned. */
  result: string
  requestId: string
  sourceIp: string
}

/** A stored entry: the record plus its place in the chain. */
export interface AuditEntry extends AuditRecord {
  seq: number
  prevHash: string
  hash: string
}

/** Hash of the chain before its first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** SHA-256 over the previous hash and every field, in a fixed order, as JSON (unambiguous field boundaries). */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const fields = [e.seq, e.time, e.accountId, e.action, e.keyId, e.result, e.requestId, e.sourceIp, e.prevHash]
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex')
}

function fromRow(r: SqlRow): AuditEntry {
  return {
    seq: int(r, 'seq'),
    time: int(r, 'time'),
    accountId: text(r, 'account_id'),
    action: text(r, 'action'),
    keyId: text(r, 'key_id'),
    result: text(r, 'result'),
    requestId: text(r, 'request_id'),
    sourceIp: text(r, 'source_ip'),
    prevHash: text(r, 'prev_hash'),
    hash: text(r, 'hash'),
  }
}

/**
 * The hash-chained audit log. Appends are group-committed: records arriving while a write is in flight are
 * written together in the next transaction, and each caller's promise resolves once its record is committed,
 * so a response is never sent before its audit entry is durable. Instances sharing PostgreSQL serialise on an
 * advisory lock, which keeps one linear chain.
 */
export class AuditChain {
  #pending: Array<{ record: AuditRecord; resolve: () => void; reject: (e: unknown) => void }> = []
  #flushing: Promise<void> | undefined

  constructor(private readonly db: SqlDb) {}

  /** Appends `record`; resolves when it is committed. */
  append(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject })
      // Start the write on the next turn of the event loop, so that requests finishing together share it.
      if (!this.#flushing) this.#flushing = new Promise<void>((r) => setImmediate(r)).then(() => this.#flush())
    })
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      try {
        await this.db.transaction(async (tx) => {
          const head = await one(tx, 'SELECT seq, hash FROM srv_audit_head WHERE id = 1')
          let seq = head ? int(head, 'seq') : 0
          let prevHash = head ? text(head, 'hash') : GENESIS_HASH
          for (const { record } of batch) {
            seq += 1
            const hash = entryHash({ ...record, seq, prevHash })
            await tx.run(
              'INSERT INTO srv_audit (seq, time, account_id, action, key_id, result, request_id, source_ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [seq, record.time, record.accountId, record.action, record.keyId, record.result, record.requestId, record.sourceIp, prevHash, hash],
            )
            prevHash = hash
          }
          if (head) await tx.run('UPDATE srv_audit_head SET seq = ?, hash = ? WHERE id = 1', [seq, prevHash])
          else await tx.run('INSERT INTO srv_audit_head (id, seq, hash) VALUES (1, ?, ?)', [seq, prevHash])
        }, LOCKS.audit)
        for (const p of batch) p.resolve()
      } catch (e) {
        for (const p of batch) p.reject(e)
      }
    }
    this.#flushing = undefined
  }

  /** Waits for pending appends. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  /** Entries from `afterSeq` on, oldest first (for export and the CLI). */
  async entries(afterSeq = 0, limit = 1000): Promise<AuditEntry[]> {
    return (await this.db.all('SELECT * FROM srv_audit WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(fromRow)
  }
}

/** Result of {@link verifyAuditChain}. */
export interface AuditVerification {
  ok: boolean
  /** Entries checked. */
  entries: number
  /** First entry found wrong (or the head, seq = entries + 1), with why. */
  firstBadSeq?: number
  reason?: string
  /**
   * Hash of the last entry when the chain is intact. SHA-256 is keyless, so someone who can rewrite the whole
   * table can also recompute a consistent chain: record this value outside the database (a log, a ticket) and
   * compare it later to anchor the chain.
   */
  headHash?: string
}

/**
 * Checks the whole audit chain: sequence numbers without gaps, each entry's hash recomputed from its fields, each
 * entry naming its predecessor's hash, and the stored head matching the last entry. An edited, inserted, deleted
 * or truncated entry is reported with the first sequence number where the chain breaks.
 *
 * @example
 * ```ts
 * const store = await openServerStore({ sqlite: '~/.keyward/server.db' })
 * const r = await verifyAuditChain(store)
 * if (!r.ok) console.error(`audit chain broken at #${r.firstBadSeq}: ${r.reason}`)
 * ```
 */
export async function verifyAuditChain(store: SqlDb | { readonly db: SqlDb }): Promise<AuditVerification> {
  const db = 'db' in store ? store.db : store
  let prevHash = GENESIS_HASH
  let expectSeq = 1
  const page = 5_000
  for (;;) {
    const rows = await db.all('SELECT * FROM srv_audit WHERE seq >= ? ORDER BY seq LIMIT ?', [expectSeq, page])
    for (const e of rows.map(fromRow)) {
      const bad = (reason: string): AuditVerification => ({ ok: false, entries: expectSeq - 1, firstBadSeq: expectSeq, reason })
      if (e.seq !== expectSeq) return bad(`entry #${expectSeq} is missing`)
      if (e.prevHash !== prevHash) return bad(`entry #${e.seq} does not link to its predecessor`)
      if (entryHash(e) !== e.hash) return bad(`entry #${e.seq} was altered`)
      prevHash = e.hash
      expectSeq += 1
    }
    if (rows.length < page) break
  }
  const count = expectSeq - 1
  const head = await one(db, 'SELECT seq, hash FROM srv_audit_head WHERE id = 1')
  const headSeq = head ? int(head, 'seq') : 0
  const headHash = head ? text(head, 'hash') : GENESIS_HASH
  if (headSeq !== count || headHash !== prevHash) {
    return { ok: false, entries: count, firstBadSeq: count + 1, reason: `the chain ends at #${count} but its head records #${headSeq}: entries were removed or added` }
  }
  return { ok: true, entries: count, headHash: prevHash }
}
