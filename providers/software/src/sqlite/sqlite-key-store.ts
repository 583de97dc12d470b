import { chmodSync, closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import {
  KeywardError,
  filterKeys,
  type KeyMetadata,
  type KeyStore,
  type ListKeysRequest,
  type ListKeysResult,
} from '@keyward/core'
import { migrate } from './schema.js'
import { notFound, storeError, writeError } from './sqlite-errors.js'

type Db = Database.Database

/** Options of {@link SqliteKeyStore.open}. */
export interface SqliteKeyStoreOptions {
  /** Milliseconds to wait for another connection's write lock; default 5000. */
  busyTimeoutMs?: number
}

/**
 * A persistent {@link KeyStore} in one SQLite file (better-sqlite3): WAL journal with synchronous=FULL, every
 * multi-row change in one transaction (a failure inside leaves the old state), a unique alias index, a schema
 * version table, and file mode 0600 (SQLite gives its -wal/-shm files the same mode). It stores what the
 * provider hands it, which is sealed material, never plaintext keys.
 *
 * @example
 * ```ts
 * const store = SqliteKeyStore.open('/var/lib/keyward/keys.db')
 * const provider = await SoftwareKeyProvider.open({ store, rootKey })
 * ```
 */
export class SqliteKeyStore implements KeyStore {
  #db: Db | undefined
  readonly path: string

  private constructor(db: Db, path: string) {
    this.#db = db
    this.path = path
  }

  /** Opens (creating when absent, mode 0600) and migrates the store at `path`; `:memory:` for a throwaway one. */
  static open(path: string, options: SqliteKeyStoreOptions = {}): SqliteKeyStore {
    let db: Db | undefined
    try {
      if (path !== ':memory:') {
        closeSync(openSync(path, 'a', 0o600))
        chmodSync(path, 0o600)
      }
      db = new Database(path)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('foreign_keys = ON')
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
      migrate(db)
      return new SqliteKeyStore(db, path)
    } catch (e) {
      db?.close()
      if (e instanceof KeywardError) throw e
      throw storeError(`opening ${path}`, e)
    }
  }

  async insertKey(m: KeyMetadata): Promise<void> {
    this.#write(
      'insertKey',
      (db) => {
        if (this.#stmt(db, `SELECT 1 FROM deleted_keys WHERE key_id = ?`).get(m.keyId)) {
          throw new KeywardError('InvalidParameterValue', `Key ${m.keyId} existed before; a KeyId is never reused.`)
        }
        this.#stmt(
          db,
          `INSERT INTO keys (key_id, alias, create_time, key_state, key_usage, origin, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(m.keyId, m.alias, m.createTime, m.keyState, m.keyUsage, m.origin, JSON.stringify(m))
      },
      m.alias,
      m.keyId,
    )
  }

  async getKey(keyId: string): Promise<KeyMetadata | undefined> {
    const row = this.#read('getKey', (db) =>
      this.#stmt(db, `SELECT metadata FROM keys WHERE key_id = ?`).get(keyId),
    ) as { metadata: string } | undefined
    return row && parseMetadata(row.metadata)
  }

  async getKeyByAlias(alias: string): Promise<KeyMetadata | undefined> {
    const row = this.#read('getKeyByAlias', (db) =>
      this.#stmt(db, `SELECT metadata FROM keys WHERE alias = ?`).get(alias),
    ) as { metadata: string } | undefined
    return row && parseMetadata(row.metadata)
  }

  async listKeys(filter: ListKeysRequest = {}): Promise<ListKeysResult> {
    const where: string[] = []
    const args: unknown[] = []
    if (filter.keyState !== undefined) {
      where.push('key_state = ?')
      args.push(filter.keyState)
    }
    if (filter.keyUsage !== undefined) {
      where.push('key_usage = ?')
      args.push(filter.keyUsage)
    }
    if (filter.origin !== undefined) {
      where.push('origin = ?')
      args.push(filter.origin)
    }
    if (filter.searchKeyAlias !== undefined) {
      const s = filter.searchKeyAlias.toLowerCase()
      where.push('(instr(lower(alias), ?) > 0 OR instr(lower(key_id), ?) > 0)')
      args.push(s, s)
    }
    const rows = this.#read('listKeys', (db) =>
      this.#stmt(db, `SELECT metadata FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).all(...args),
    ) as { metadata: string }[]
    // Ordering and paging are core's, so every store pages identically.
    return filterKeys(
      rows.map((r) => parseMetadata(r.metadata)),
      filter,
    )
  }

  async updateKey(keyId: string, patch: Partial<Omit<KeyMetadata, 'keyId'>>): Promise<KeyMetadata> {
    return this.#write(
      'updateKey',
      (db) => {
        const row = this.#stmt(db, `SELECT metadata FROM keys WHERE key_id = ?`).get(keyId) as
          | { metadata: string }
          | undefined
        if (!row) throw notFound(keyId)
        const next: KeyMetadata = { ...parseMetadata(row.metadata), ...patch, keyId }
        this.#stmt(
          db,
          `UPDATE keys SET alias = ?, create_time = ?, key_state = ?, key_usage = ?, origin = ?, metadata = ? WHERE key_id = ?`,
        ).run(next.alias, next.createTime, next.keyState, next.keyUsage, next.origin, JSON.stringify(next), keyId)
        return next
      },
      patch.alias,
    )
  }

  async deleteKey(keyId: string): Promise<void> {
    this.#write('deleteKey', (db) => {
      this.#stmt(db, `DELETE FROM key_versions WHERE key_id = ?`).run(keyId)
      this.#stmt(db, `DELETE FROM key_records WHERE key_id = ?`).run(keyId)
      // The tombstone is written in the same transaction: the KeyId stays reserved from the moment the key is gone.
      if (this.#stmt(db, `DELETE FROM keys WHERE key_id = ?`).run(keyId).changes > 0) {
        this.#stmt(db, `INSERT OR IGNORE INTO deleted_keys (key_id, delete_time) VALUES (?, ?)`).run(
          keyId,
          Math.floor(Date.now() / 1000),
        )
      }
    })
  }

  async addVersion(keyId: string, material: Uint8Array): Promise<number> {
    return this.addVersionWith(keyId, () => material)
  }

  /** Chooses the next version number and stores `make(number)` in one transaction (see KeyStore.addVersionWith). */
  async addVersionWith(keyId: string, make: (version: number) => Uint8Array): Promise<number> {
    return this.#write('addVersion', (db) => {
      if (!this.#stmt(db, `SELECT 1 FROM keys WHERE key_id = ?`).get(keyId)) throw notFound(keyId)
      const { v } = this.#stmt(db, `SELECT coalesce(max(version), 0) + 1 AS v FROM key_versions WHERE key_id = ?`).get(
        keyId,
      ) as { v: number }
      this.#stmt(db, `INSERT INTO key_versions (key_id, version, material) VALUES (?, ?, ?)`).run(
        keyId,
        v,
        Buffer.from(make(v)),
      )
      return v
    })
  }

  async getVersion(keyId: string, version: number): Promise<Uint8Array | undefined> {
    const row = this.#read('getVersion', (db) =>
      this.#stmt(db, `SELECT material FROM key_versions WHERE key_id = ? AND version = ?`).get(keyId, version),
    ) as { material: Buffer } | undefined
    return row?.material
  }

  async latestVersion(keyId: string): Promise<number> {
    const row = this.#read('latestVersion', (db) =>
      this.#stmt(db, `SELECT coalesce(max(version), 0) AS v FROM key_versions WHERE key_id = ?`).get(keyId),
    ) as { v: number }
    return row.v
  }

  async deleteVersions(keyId: string): Promise<void> {
    this.#write('deleteVersions', (db) => {
      this.#stmt(db, `DELETE FROM key_versions WHERE key_id = ?`).run(keyId)
    })
  }

  async putRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void> {
    this.#write('putRecord', (db) => {
      if (value === undefined) {
        this.#stmt(db, `DELETE FROM key_records WHERE key_id = ? AND name = ?`).run(keyId, name)
        return
      }
      if (!this.#stmt(db, `SELECT 1 FROM keys WHERE key_id = ?`).get(keyId)) throw notFound(keyId)
      this.#stmt(
        db,
        `INSERT INTO key_records (key_id, name, value) VALUES (?, ?, ?) ON CONFLICT (key_id, name) DO UPDATE SET value = excluded.value`,
      ).run(keyId, name, Buffer.from(value))
    })
  }

  async getRecord(keyId: string, name: string): Promise<Uint8Array | undefined> {
    const row = this.#read('getRecord', (db) =>
      this.#stmt(db, `SELECT value FROM key_records WHERE key_id = ? AND name = ?`).get(keyId, name),
    ) as { value: Buffer } | undefined
    return row?.value
  }

  /** Checkpoints the WAL and closes the file; later calls fail with FailedOperation.ProviderUnavailable. */
  async close(): Promise<void> {
    const db = this.#db
    this.#db = undefined
    this.#statements.clear()
    if (!db) return
    try {
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
  }

  /** Prepared statements, compiled once per connection (preparing costs more than running these queries). */
  readonly #statements = new Map<string, Database.Statement>()

  #stmt(db: Db, sql: string): Database.Statement {
    let st = this.#statements.get(sql)
    if (!st) {
      st = db.prepare(sql)
      this.#statements.set(sql, st)
    }
    return st
  }

  #open(): Db {
    if (!this.#db) throw new KeywardError('FailedOperation.ProviderUnavailable', 'The key store is closed.')
    return this.#db
  }

  #read<T>(what: string, fn: (db: Db) => T): T {
    const db = this.#open()
    try {
      return fn(db)
    } catch (e) {
      if (e instanceof KeywardError) throw e
      throw storeError(what, e)
    }
  }

  /** Runs `fn` in one transaction: any throw inside rolls every statement of it back. */
  #write<T>(what: string, fn: (db: Db) => T, alias?: string, keyId?: string): T {
    const db = this.#open()
    try {
      return db.transaction(() => fn(db)).immediate()
    } catch (e) {
      throw writeError(what, e, alias, keyId)
    }
  }
}

/** A stored metadata row; a row that is not JSON means the file was altered: a store error, not a crash. */
function parseMetadata(text: string): KeyMetadata {
  try {
    return JSON.parse(text) as KeyMetadata
  } catch (e) {
    throw storeError('reading key metadata', e)
  }
}
