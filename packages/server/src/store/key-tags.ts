import type { KeyTag } from '../protocol/tags.js'
import { text, type SqlDb, type SqlTx } from './sql-db.js'

/** Tags of keys (CreateKey `Tags`), for ListKeyDetail's `TagFilters`. They go with the key's ownership. */
export class KeyTags {
  constructor(private readonly db: SqlDb) {}

  /** Inside `tx`: records the tags of a new key. */
  async addIn(tx: SqlTx, keyId: string, tags: readonly KeyTag[]): Promise<void> {
    for (const t of tags)
      await tx.run('INSERT INTO srv_key_tags (key_id, tag_key, tag_value) VALUES (?, ?, ?)', [keyId, t.key, t.value])
  }

  /** Tags of each of `keyIds` (a key without tags maps to an empty list). */
  async of(keyIds: readonly string[]): Promise<Map<string, KeyTag[]>> {
    const out = new Map<string, KeyTag[]>(keyIds.map((id) => [id, []]))
    // Chunks keep the statement within both engines' parameter limits.
    for (let i = 0; i < keyIds.length; i += 500) {
      const chunk = keyIds.slice(i, i + 500)
      const rows = await this.db.all(
        `SELECT key_id, tag_key, tag_value FROM srv_key_tags WHERE key_id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )
      for (const r of rows) out.get(text(r, 'key_id'))?.push({ key: text(r, 'tag_key'), value: text(r, 'tag_value') })
    }
    return out
  }

  /** Inside `tx`: removes the tags of a key that is gone. */
  async removeIn(tx: SqlTx, keyId: string): Promise<void> {
    await tx.run('DELETE FROM srv_key_tags WHERE key_id = ?', [keyId])
  }
}
