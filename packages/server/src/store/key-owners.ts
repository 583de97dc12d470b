import { KeywardError } from '@keyward/core'
import { LOCKS } from './schema.js'
import { int, one, text, type SqlDb } from './sql-db.js'

const CACHE_MS = 1_000

/** Which account owns a provider key and under which (per-account) alias. */
export interface KeyOwner {
  keyId: string
  accountId: string
  alias: string
  createTime: number
}

/**
 * Ownership and per-account aliases of keys. Tencent scopes aliases to an account while a provider's aliases are
 * global, so the server keeps the account's alias here (unique per account) and gives the provider a derived,
 * globally unique alias (see `providerAlias`).
 */
export class KeyOwners {
  // Ownership never changes and aliases rarely do: a short cache saves a query on every key Action. Another
  // instance's alias change shows here within CACHE_MS.
  readonly #cache = new Map<string, { owner: KeyOwner; until: number }>()

  constructor(private readonly db: SqlDb) {}

  async add(owner: KeyOwner): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (await one(tx, 'SELECT 1 AS x FROM srv_key_owners WHERE account_id = ? AND alias = ?', [owner.accountId, owner.alias])) {
        throw new KeywardError('InvalidParameterValue.AliasAlreadyExists', `Alias ${owner.alias} is already used by another key.`)
      }
      await tx.run('INSERT INTO srv_key_owners (key_id, account_id, alias, create_time) VALUES (?, ?, ?, ?)', [
        owner.keyId, owner.accountId, owner.alias, owner.createTime,
      ])
    }, LOCKS.keyStore)
  }

  async get(keyId: string): Promise<KeyOwner | undefined> {
    const now = Date.now()
    const hit = this.#cache.get(keyId)
    if (hit && hit.until > now) return hit.owner
    const row = await one(this.db, 'SELECT * FROM srv_key_owners WHERE key_id = ?', [keyId])
    if (!row) return undefined
    const owner = { keyId: text(row, 'key_id'), accountId: text(row, 'account_id'), alias: text(row, 'alias'), createTime: int(row, 'create_time') }
    if (this.#cache.size > 50_000) this.#cache.clear()
    this.#cache.set(keyId, { owner, until: now + CACHE_MS })
    return owner
  }

  async aliasTaken(accountId: string, alias: string): Promise<boolean> {
    return (await one(this.db, 'SELECT 1 AS x FROM srv_key_owners WHERE account_id = ? AND alias = ?', [accountId, alias])) !== undefined
  }

  async rename(keyId: string, accountId: string, alias: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const clash = await one(tx, 'SELECT key_id FROM srv_key_owners WHERE account_id = ? AND alias = ?', [accountId, alias])
      if (clash && text(clash, 'key_id') !== keyId) {
        throw new KeywardError('InvalidParameterValue.AliasAlreadyExists', `Alias ${alias} is already used by another key.`)
      }
      await tx.run('UPDATE srv_key_owners SET alias = ? WHERE key_id = ?', [alias, keyId])
    }, LOCKS.keyStore)
    this.#cache.delete(keyId)
  }

  async remove(keyId: string): Promise<void> {
    await this.db.run('DELETE FROM srv_key_owners WHERE key_id = ?', [keyId])
    this.#cache.delete(keyId)
  }

  /** Keys of an account, newest first. */
  async listOwned(accountId: string): Promise<KeyOwner[]> {
    const rows = await this.db.all('SELECT * FROM srv_key_owners WHERE account_id = ? ORDER BY create_time DESC, key_id', [accountId])
    return rows.map((row) => ({ keyId: text(row, 'key_id'), accountId: text(row, 'account_id'), alias: text(row, 'alias'), createTime: int(row, 'create_time') }))
  }
}
