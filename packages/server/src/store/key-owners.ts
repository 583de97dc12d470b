import { KeywardError } from '@keyward/core'
import { LOCKS } from './schema.js'
import { int, one, text, type SqlDb, type SqlRow, type SqlTx } from './sql-db.js'

const CACHE_MS = 1_000

/** Which account owns a provider key and under which (per-account) alias. */
export interface KeyOwner {
  keyId: string
  accountId: string
  alias: string
  createTime: number
  /** Aliases the key had before its current one (Deny statements keep matching them). */
  formerAliases: readonly string[]
}

function aliasTaken(alias: string): KeywardError {
  return new KeywardError('InvalidParameterValue.AliasAlreadyExists', `Alias ${alias} is already used by another key.`)
}

/**
 * Ownership and per-account aliases of keys. Tencent scopes aliases to an account while a provider's aliases are
 * global, so the server keeps the account's alias here (unique per account) and gives the provider a derived,
 * globally unique alias (see `providerAlias`). A key that is gone leaves a tombstone: its KeyId is never owned
 * again, by anyone.
 */
export class KeyOwners {
  // Ownership never changes and aliases rarely do: a short cache saves a query on every key Action. Another
  // instance's alias change shows here within CACHE_MS.
  readonly #cache = new Map<string, { owner: KeyOwner; until: number }>()

  constructor(private readonly db: SqlDb) {}

  /** Records a new key's owner; refuses a KeyId that is owned or was ever owned. */
  async add(owner: Omit<KeyOwner, 'formerAliases'>): Promise<void> {
    await this.db.transaction((tx) => this.addIn(tx, owner), LOCKS.keyStore)
  }

  /** Inside `tx` (under LOCKS.keyStore): {@link add}, for callers that record more about the key atomically. */
  async addIn(tx: SqlTx, owner: Omit<KeyOwner, 'formerAliases'>): Promise<void> {
    if (
      await one(tx, 'SELECT 1 AS x FROM srv_key_owners WHERE account_id = ? AND alias = ?', [
        owner.accountId,
        owner.alias,
      ])
    )
      throw aliasTaken(owner.alias)
    if (await usedIn(tx, owner.keyId))
      throw new KeywardError('InvalidParameterValue', `KeyId ${owner.keyId} cannot be used for a new key.`)
    await tx.run('INSERT INTO srv_key_owners (key_id, account_id, alias, create_time) VALUES (?, ?, ?, ?)', [
      owner.keyId,
      owner.accountId,
      owner.alias,
      owner.createTime,
    ])
    await tx.run('INSERT INTO srv_alias_history (key_id, alias) VALUES (?, ?)', [owner.keyId, owner.alias])
  }

  async get(keyId: string): Promise<KeyOwner | undefined> {
    const now = Date.now()
    const hit = this.#cache.get(keyId)
    if (hit && hit.until > now) return hit.owner
    const row = await one(this.db, 'SELECT * FROM srv_key_owners WHERE key_id = ?', [keyId])
    if (!row) return undefined
    const history = await this.db.all('SELECT alias FROM srv_alias_history WHERE key_id = ?', [keyId])
    const owner = fromRow(
      row,
      history.map((h) => text(h, 'alias')),
    )
    if (this.#cache.size > 50_000) this.#cache.clear()
    this.#cache.set(keyId, { owner, until: now + CACHE_MS })
    return owner
  }

  /** True when `keyId` is owned now or was owned before (tombstone): it can never name a new key. */
  async used(keyId: string): Promise<boolean> {
    return usedIn(this.db, keyId)
  }

  async aliasTaken(accountId: string, alias: string): Promise<boolean> {
    return (
      (await one(this.db, 'SELECT 1 AS x FROM srv_key_owners WHERE account_id = ? AND alias = ?', [
        accountId,
        alias,
      ])) !== undefined
    )
  }

  async rename(keyId: string, accountId: string, alias: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const clash = await one(tx, 'SELECT key_id FROM srv_key_owners WHERE account_id = ? AND alias = ?', [
        accountId,
        alias,
      ])
      if (clash && text(clash, 'key_id') !== keyId) throw aliasTaken(alias)
      await tx.run('UPDATE srv_key_owners SET alias = ? WHERE key_id = ?', [alias, keyId])
      if (!(await one(tx, 'SELECT 1 AS x FROM srv_alias_history WHERE key_id = ? AND alias = ?', [keyId, alias]))) {
        await tx.run('INSERT INTO srv_alias_history (key_id, alias) VALUES (?, ?)', [keyId, alias])
      }
    }, LOCKS.keyStore)
    this.#cache.delete(keyId)
  }

  /**
   * Inside `tx`: turns the key's ownership into a tombstone and drops its alias history. Returns the former
   * owner's account id, or undefined when the key was not owned. The caller removes grants and policy references
   * in the same transaction (ServerStore.retireKey).
   */
  async retireIn(tx: SqlTx, keyId: string, nowSeconds: number): Promise<string | undefined> {
    const row = await one(tx, 'SELECT account_id FROM srv_key_owners WHERE key_id = ?', [keyId])
    if (!row) return undefined
    await tx.run('DELETE FROM srv_key_owners WHERE key_id = ?', [keyId])
    await tx.run('DELETE FROM srv_alias_history WHERE key_id = ?', [keyId])
    if (!(await one(tx, 'SELECT 1 AS x FROM srv_key_tombstones WHERE key_id = ?', [keyId]))) {
      await tx.run('INSERT INTO srv_key_tombstones (key_id, account_id, delete_time) VALUES (?, ?, ?)', [
        keyId,
        text(row, 'account_id'),
        nowSeconds,
      ])
    }
    return text(row, 'account_id')
  }

  /** Forgets a cached owner (after retiring it). */
  forget(keyId: string): void {
    this.#cache.delete(keyId)
  }

  /** Keys of an account, newest first (current aliases; former ones are not needed for listing). */
  async listOwned(accountId: string): Promise<KeyOwner[]> {
    const rows = await this.db.all(
      'SELECT * FROM srv_key_owners WHERE account_id = ? ORDER BY create_time DESC, key_id',
      [accountId],
    )
    return rows.map((row) => fromRow(row, []))
  }
}

function fromRow(row: SqlRow, history: string[]): KeyOwner {
  const alias = text(row, 'alias')
  return {
    keyId: text(row, 'key_id'),
    accountId: text(row, 'account_id'),
    alias,
    createTime: int(row, 'create_time'),
    formerAliases: history.filter((a) => a !== alias),
  }
}

async function usedIn(db: SqlTx, keyId: string): Promise<boolean> {
  return (
    (await one(
      db,
      'SELECT 1 AS x FROM srv_key_owners WHERE key_id = ? UNION ALL SELECT 1 AS x FROM srv_key_tombstones WHERE key_id = ?',
      [keyId, keyId],
    )) !== undefined
  )
}
