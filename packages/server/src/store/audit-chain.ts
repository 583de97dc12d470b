import { createHash, createHmac, hkdfSync } from 'node:crypto'
import { needs } from '@keyward/core'
import { LOCKS } from './schema.js'
import { int, one, text, type SqlDb, type SqlRow } from './sql-db.js'

/** One request as the audit log keeps it: who, what, which key, how it ended. Never payloads, never signatures. */
export interface AuditRecord {
  /** Unix ms. */
  time: number
  accountId: string
  /** The SecretId the request was signed with, also when authentication failed ('' when there was none). */
  secretId: string
  action: string
  keyId: string
  /** `Success` or the error code returned. */
  result: string
  requestId: string
  sourceIp: string
}

/** A stored entry: the record plus its place in the chain and its keyed MAC. */
export interface AuditEntry extends AuditRecord {
  seq: number
  prevHash: string
  hash: string
  /** HMAC-SHA256 of the entry's hash under the audit MAC key (derived from the root key); '' when unkeyed. */
  mac: string
}

/** Hash of the chain before its first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * The key that MACs audit entries, heads and checkpoints: HKDF-SHA256 of the server root key with its own label,
 * so that write access to the database is not enough to forge or re-chain entries.
 *
 * @example
 * ```ts
 * const r = await verifyAuditChain(store, { macKey: auditMacKey(rootKey) })
 * ```
 */
export function auditMacKey(rootKey: Uint8Array): Buffer {
  needs(rootKey instanceof Uint8Array && rootKey.byteLength === 32, 'InvalidParameterValue', 'The server root key must be 32 bytes.')
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), 'keyward audit-log MAC v1', 32))
}

/** HMAC (hex) of a domain-separated message under the audit MAC key. */
export function auditMac(macKey: Uint8Array, domain: 'entry' | 'head' | 'checkpoint', ...parts: Array<string | number>): string {
  return createHmac('sha256', macKey).update(JSON.stringify([domain, ...parts])).digest('hex')
}

/** SHA-256 over the previous hash and every field, in a fixed order, as JSON (unambiguous field boundaries). */
export function entryHash(e: Omit<AuditEntry, 'hash' | 'mac'>): string {
  const fields = [e.seq, e.time, e.accountId, e.action, e.keyId, e.result, e.requestId, e.sourceIp, e.prevHash, e.secretId]
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex')
}

/** A stored row as an entry. */
export function auditEntryOf(r: SqlRow): AuditEntry {
  return {
    seq: int(r, 'seq'),
    time: int(r, 'time'),
    accountId: text(r, 'account_id'),
    secretId: text(r, 'secret_id'),
    action: text(r, 'action'),
    keyId: text(r, 'key_id'),
    result: text(r, 'result'),
    requestId: text(r, 'request_id'),
    sourceIp: text(r, 'source_ip'),
    prevHash: text(r, 'prev_hash'),
    hash: text(r, 'hash'),
    mac: text(r, 'mac'),
  }
}

/**
 * The hash-chained, MAC'd audit log. Appends are group-committed: records arriving while a write is in flight are
 * written together in the next transaction, and each caller's promise resolves once its record is committed, so
 * a response is never sent before its audit entry is durable. Instances sharing PostgreSQL serialise on an
 * advisory lock, which keeps one linear chain.
 */
export class AuditChain {
  #pending: Array<{ record: AuditRecord; resolve: () => void; reject: (e: unknown) => void }> = []
  #flushing: Promise<void> | undefined

  /** `macKey` (see {@link auditMacKey}); undefined writes an unkeyed chain (benchmark baseline only: forgeable). */
  constructor(private readonly db: SqlDb, private readonly macKey: Uint8Array | undefined) {}

  /** Appends `record`; resolves when it is committed. */
  append(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject })
      // Start the write on the next turn of the event loop, so that requests finishing together share it.
      if (!this.#flushing) this.#flushing = new Promise<void>((r) => setImmediate(r)).then(() => this.#flush())
    })
  }

  #mac(domain: 'entry' | 'head', ...parts: Array<string | number>): string {
    return this.macKey ? auditMac(this.macKey, domain, ...parts) : ''
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
              'INSERT INTO srv_audit (seq, time, account_id, secret_id, action, key_id, result, request_id, source_ip, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [seq, record.time, record.accountId, record.secretId, record.action, record.keyId, record.result, record.requestId, record.sourceIp, prevHash, hash, this.#mac('entry', hash)],
            )
            prevHash = hash
          }
          const headMac = this.#mac('head', seq, prevHash)
          if (head) await tx.run('UPDATE srv_audit_head SET seq = ?, hash = ?, mac = ? WHERE id = 1', [seq, prevHash, headMac])
          else await tx.run('INSERT INTO srv_audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?)', [seq, prevHash, headMac])
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
    return (await this.db.all('SELECT * FROM srv_audit WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(auditEntryOf)
  }
}
