import { auditDigest, auditMac, storedAuditHash, type AuditHash, type AuditMacKeys } from './audit-hash.js'
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
  /** HMAC of the entry's hash, with `hashAlg`, under the audit MAC key (derived from the root key); '' when unkeyed. */
  mac: string
  /** The hash of this entry and its MAC: SHA-256, or SM3 under the gm compliance profile. */
  hashAlg: AuditHash
}

/** Hash of the chain before its first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * The entry's hash over the previous hash and every field, in a fixed order, as JSON (unambiguous field
 * boundaries): SHA-256 as always, or SM3 with the hash's name as a last field, so that an entry cannot be passed off
 * as hashed with the other function.
 */
export function entryHash(e: Omit<AuditEntry, 'hash' | 'mac' | 'hashAlg'> & { hashAlg?: AuditHash }): string {
  const fields: Array<string | number> = [
    e.seq,
    e.time,
    e.accountId,
    e.action,
    e.keyId,
    e.result,
    e.requestId,
    e.sourceIp,
    e.prevHash,
    e.secretId,
  ]
  const hash = e.hashAlg ?? 'sha256'
  return auditDigest(hash, JSON.stringify(hash === 'sha256' ? fields : [...fields, hash]))
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
    hashAlg: storedAuditHash(r['hash_alg']),
  }
}

/**
 * The hash-chained, MAC'd audit log. Appends are group-committed: records arriving while a write is in flight are
 * written together in the next transaction, and each caller's promise resolves once its record is committed, so
 * a response is never sent before its audit entry is durable. Instances sharing PostgreSQL serialise on an
 * advisory lock, which keeps one linear chain. New entries use `hash` (SM3 under the gm profile).
 */
export class AuditChain {
  #pending: Array<{ record: AuditRecord; resolve: () => void; reject: (e: unknown) => void }> = []
  #flushing: Promise<void> | undefined

  /** `macKeys` (see {@link auditMacKey}); undefined writes an unkeyed chain (benchmark baseline only: forgeable). */
  constructor(
    private readonly db: SqlDb,
    private readonly macKeys: AuditMacKeys | undefined,
    readonly hash: AuditHash = 'sha256',
  ) {}

  /** Appends `record`; resolves when it is committed. */
  append(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject })
      // Start the write on the next turn of the event loop, so that requests finishing together share it.
      if (!this.#flushing) this.#flushing = new Promise<void>((r) => setImmediate(r)).then(() => this.#flush())
    })
  }

  #mac(domain: 'entry' | 'head', ...parts: Array<string | number>): string {
    return this.macKeys ? auditMac(this.macKeys, this.hash, domain, ...parts) : ''
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
            const hash = entryHash({ ...record, seq, prevHash, hashAlg: this.hash })
            await tx.run(
              'INSERT INTO srv_audit (seq, time, account_id, secret_id, action, key_id, result, request_id, source_ip, prev_hash, hash, mac, hash_alg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [
                seq,
                record.time,
                record.accountId,
                record.secretId,
                record.action,
                record.keyId,
                record.result,
                record.requestId,
                record.sourceIp,
                prevHash,
                hash,
                this.#mac('entry', hash),
                this.hash,
              ],
            )
            prevHash = hash
          }
          const headMac = this.#mac('head', seq, prevHash)
          if (head)
            await tx.run('UPDATE srv_audit_head SET seq = ?, hash = ?, mac = ?, hash_alg = ? WHERE id = 1', [
              seq,
              prevHash,
              headMac,
              this.hash,
            ])
          else
            await tx.run('INSERT INTO srv_audit_head (id, seq, hash, mac, hash_alg) VALUES (1, ?, ?, ?, ?)', [
              seq,
              prevHash,
              headMac,
              this.hash,
            ])
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
    return (await this.db.all('SELECT * FROM srv_audit WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(
      auditEntryOf,
    )
  }
}
