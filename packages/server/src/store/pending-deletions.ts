import { int, text, type SqlDb, type SqlTx } from './sql-db.js'

/**
 * Keys scheduled for deletion and when their window ends, so that the server retires each one (tombstone, grants,
 * tags, policy references) as soon as the provider purges it — not only when a later request happens to name it.
 */
export class PendingDeletions {
  constructor(private readonly db: SqlDb) {}

  /** Records (or moves) the end of `keyId`'s deletion window, Unix seconds. */
  async schedule(keyId: string, deletionDate: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM srv_pending_deletions WHERE key_id = ?', [keyId])
      await tx.run('INSERT INTO srv_pending_deletions (key_id, deletion_date) VALUES (?, ?)', [keyId, deletionDate])
    })
  }

  /** The key is no longer pending deletion (CancelKeyDeletion). */
  async cancel(keyId: string): Promise<void> {
    await this.db.run('DELETE FROM srv_pending_deletions WHERE key_id = ?', [keyId])
  }

  /** Inside `tx`: forgets a key that is retired. */
  async removeIn(tx: SqlTx, keyId: string): Promise<void> {
    await tx.run('DELETE FROM srv_pending_deletions WHERE key_id = ?', [keyId])
  }

  /** Keys whose window ended at or before `nowSeconds`, oldest first, at most `limit`. */
  async due(nowSeconds: number, limit = 500): Promise<Array<{ keyId: string; deletionDate: number }>> {
    const rows = await this.db.all(
      'SELECT key_id, deletion_date FROM srv_pending_deletions WHERE deletion_date <= ? ORDER BY deletion_date, key_id LIMIT ?',
      [nowSeconds, limit],
    )
    return rows.map((r) => ({ keyId: text(r, 'key_id'), deletionDate: int(r, 'deletion_date') }))
  }
}
