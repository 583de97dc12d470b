import { timingSafeEqual } from 'node:crypto'
import { KeywardError, needs } from '@keyward/core'
import { GENESIS_HASH, auditEntryOf, entryHash } from './audit-chain.js'
import { auditMac, storedAuditHash, type AuditHash, type AuditMacKeys } from './audit-hash.js'
import { tableExists } from './schema.js'
import { int, one, text, type SqlDb } from './sql-db.js'

/** Result of {@link verifyAuditChain}. */
export interface AuditVerification {
  ok: boolean
  /** Entries checked (those before the first bad one). */
  entries: number
  /** First entry found wrong (or the head, seq = entries + 1), with why. */
  firstBadSeq?: number
  reason?: string
  /** Hash of the last entry when the chain is intact: what a checkpoint records. */
  headHash?: string
  /** True when every entry's MAC was checked (a MAC key was given). */
  keyed: boolean
  /** Entries checked, by hash (`sha256`, `sm3`): a log that ran under the gm profile has SM3 entries. */
  hashes: Record<AuditHash, number>
  /** The hash of the last entry (what a checkpoint of this log is signed with). */
  headHashAlg: AuditHash
}

/**
 * A signed statement "the audit log had `entries` entries, the last with hash `headHash`", printed by
 * `keyward audit checkpoint` to be kept outside the database. A later log must extend it.
 */
export interface AuditCheckpoint {
  type: 'keyward-audit-checkpoint'
  version: 1
  entries: number
  headHash: string
  /** ISO time the checkpoint was made. */
  createdAt: string
  /** Present (`SM3`) when the checkpoint is MAC'd with HMAC-SM3: a log whose head entry is SM3 (gm profile). */
  hash?: 'SM3'
  /** HMAC-SHA256 (or HMAC-SM3) under the audit MAC key (derived from the root key). */
  mac: string
}

/** Options of {@link verifyAuditChain}. */
export interface AuditVerifyOptions {
  /** The audit MAC keys ({@link auditMacKey} of the root key): checks every entry's MAC and the head's. */
  macKey?: AuditMacKeys
  /** A checkpoint the log must extend (same entry at the same place), checked with `macKey`. */
  checkpoint?: AuditCheckpoint
}

function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Parses and checks a checkpoint (its text as `keyward audit checkpoint` printed it) under `macKey`. */
export function parseAuditCheckpoint(textValue: string, macKey: AuditMacKeys): AuditCheckpoint {
  let cp: Partial<AuditCheckpoint>
  try {
    cp = JSON.parse(textValue) as Partial<AuditCheckpoint>
  } catch (e) {
    throw new KeywardError(
      'InvalidParameterValue',
      'The checkpoint is not the JSON that `keyward audit checkpoint` prints.',
      { cause: e },
    )
  }
  needs(
    cp !== null && typeof cp === 'object' && cp.type === 'keyward-audit-checkpoint' && cp.version === 1,
    'InvalidParameterValue',
    'Not a keyward audit checkpoint (type/version).',
  )
  needs(
    Number.isSafeInteger(cp.entries) &&
      (cp.entries as number) >= 0 &&
      typeof cp.headHash === 'string' &&
      /^[0-9a-f]{64}$/.test(cp.headHash) &&
      typeof cp.createdAt === 'string' &&
      typeof cp.mac === 'string',
    'InvalidParameterValue',
    'The checkpoint lacks entries, headHash, createdAt or mac.',
  )
  needs(cp.hash === undefined || cp.hash === 'SM3', 'InvalidParameterValue', 'The checkpoint names an unknown hash.')
  const expected = auditMac(
    macKey,
    cp.hash === 'SM3' ? 'sm3' : 'sha256',
    'checkpoint',
    cp.version,
    cp.entries as number,
    cp.headHash,
    cp.createdAt,
  )
  needs(
    macEquals(expected, cp.mac),
    'InvalidParameterValue',
    'The checkpoint signature does not verify under this root key (altered, or another store).',
  )
  return cp as AuditCheckpoint
}

/** Signs a checkpoint of a verified chain, with HMAC-SM3 when `hash` is sm3 (the head entry's hash). */
export function signAuditCheckpoint(
  entries: number,
  headHash: string,
  macKey: AuditMacKeys,
  createdAt = new Date().toISOString(),
  hash: AuditHash = 'sha256',
): AuditCheckpoint {
  const mac = auditMac(macKey, hash, 'checkpoint', 1, entries, headHash, createdAt)
  return {
    type: 'keyward-audit-checkpoint',
    version: 1,
    entries,
    headHash,
    createdAt,
    ...(hash === 'sm3' ? { hash: 'SM3' as const } : {}),
    mac,
  }
}

/**
 * Checks the whole audit log without writing: both tables present; sequence numbers without gaps; each entry's
 * hash recomputed from its fields, linking to its predecessor, and (with `macKey`) its MAC; the stored head
 * matching the last entry (and its MAC); a log that is empty while the store holds accounts (every account's
 * creation is audited) is a wiped one; with a `checkpoint`, the log must still hold the checkpoint's entry at the
 * checkpoint's place (a cut tail, a rewound head or a wipe all fail here). Reports the first place it breaks.
 *
 * @example
 * ```ts
 * const store = await openServerStore({ sqlite: 'server.db' }, { readOnly: true })
 * const r = await verifyAuditChain(store, { macKey: auditMacKey(rootKey) })
 * if (!r.ok) console.error(`audit chain broken at #${r.firstBadSeq}: ${r.reason}`)
 * ```
 */
export async function verifyAuditChain(
  store: SqlDb | { readonly db: SqlDb },
  options: AuditVerifyOptions = {},
): Promise<AuditVerification> {
  const db = 'db' in store ? store.db : store
  const { macKey, checkpoint } = options
  const keyed = macKey !== undefined
  const hashes: Record<AuditHash, number> = { sha256: 0, sm3: 0 }
  let headHashAlg: AuditHash = 'sha256'
  const result = (r: {
    ok: boolean
    entries: number
    firstBadSeq?: number
    reason?: string
    headHash?: string
  }): AuditVerification => ({ ...r, keyed, hashes, headHashAlg })
  for (const table of ['srv_audit', 'srv_audit_head']) {
    if (!(await tableExists(db, db.dialect, table)))
      return result({ ok: false, entries: 0, firstBadSeq: 1, reason: `the audit table ${table} is missing (dropped?)` })
  }
  let prevHash = GENESIS_HASH
  let expectSeq = 1
  let checkpointHash = checkpoint && checkpoint.entries === 0 ? GENESIS_HASH : undefined
  const page = 5_000
  for (;;) {
    const rows = await db.all('SELECT * FROM srv_audit WHERE seq >= ? ORDER BY seq LIMIT ?', [expectSeq, page])
    for (const e of rows.map(auditEntryOf)) {
      const bad = (reason: string): AuditVerification =>
        result({ ok: false, entries: expectSeq - 1, firstBadSeq: expectSeq, reason })
      if (e.seq !== expectSeq) return bad(`entry #${expectSeq} is missing`)
      if (e.prevHash !== prevHash) return bad(`entry #${e.seq} does not link to its predecessor`)
      if (entryHash(e) !== e.hash) return bad(`entry #${e.seq} was altered`)
      if (macKey && !macEquals(auditMac(macKey, e.hashAlg, 'entry', e.hash), e.mac))
        return bad(`entry #${e.seq} has no valid MAC (forged or re-chained without the root key)`)
      if (checkpoint && e.seq === checkpoint.entries) checkpointHash = e.hash
      hashes[e.hashAlg] += 1
      headHashAlg = e.hashAlg
      prevHash = e.hash
      expectSeq += 1
    }
    if (rows.length < page) break
  }
  const count = expectSeq - 1
  const head = await one(db, 'SELECT * FROM srv_audit_head WHERE id = 1')
  const headSeq = head ? int(head, 'seq') : 0
  const headHash = head ? text(head, 'hash') : GENESIS_HASH
  const cut = (reason: string): AuditVerification =>
    result({ ok: false, entries: count, firstBadSeq: count + 1, reason })
  if (headSeq !== count || headHash !== prevHash)
    return cut(`the chain ends at #${count} but its head records #${headSeq}: entries were removed or added`)
  // The head is MAC'd with the hash of the batch that last moved it: the last entry's.
  if (head && storedAuditHash(head['hash_alg']) !== headHashAlg && count > 0)
    return cut('the head does not record the hash of the last entry')
  if (head && macKey && !macEquals(auditMac(macKey, headHashAlg, 'head', headSeq, headHash), text(head, 'mac')))
    return cut('the head has no valid MAC (rewritten without the root key)')
  if (
    count === 0 &&
    (await tableExists(db, db.dialect, 'srv_accounts')) &&
    (await db.all('SELECT 1 AS x FROM srv_accounts LIMIT 1')).length > 0
  ) {
    return cut('the log is empty but the store holds accounts, whose creation is always audited: it was wiped')
  }
  if (checkpoint) {
    if (count < checkpoint.entries)
      return cut(
        `the log has ${count} entries but the checkpoint of ${checkpoint.createdAt} recorded ${checkpoint.entries}: entries were removed (tail cut, head rewound or log wiped)`,
      )
    if (checkpointHash !== checkpoint.headHash) {
      return result({
        ok: false,
        entries: checkpoint.entries - 1,
        firstBadSeq: checkpoint.entries,
        reason: `entry #${checkpoint.entries} is not the one the checkpoint of ${checkpoint.createdAt} recorded: the log was rewritten`,
      })
    }
  }
  return result({ ok: true, entries: count, headHash: prevHash })
}
