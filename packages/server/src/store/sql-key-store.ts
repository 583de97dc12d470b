import {
  KeywardError,
  filterKeys,
  fromBase64,
  toBase64,
  type KeyMetadata,
  type KeyStore,
  type ListKeysRequest,
  type ListKeysResult,
} from '@keyward/core'
import { LOCKS, migrate } from './schema.js'
import { int, one, text, type SqlDb, type SqlTx } from './sql-db.js'
import { openPostgresDb, type PostgresConfig } from './postgres-db.js'

function notFound(keyId: string): KeywardError {
  return new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
}

function aliasTaken(alias: string): KeywardError {
  return new KeywardError('InvalidParameterValue.AliasAlreadyExists', `Alias ${alias} is already used by another key.`)
}

function parseMeta(json: string): KeyMetadata {
  return JSON.parse(json) as KeyMetadata
}

/**
 * core's {@link KeyStore} over a {@link SqlDb}: what lets several server instances share one set of provider
 * keys through PostgreSQL. Writes run in transactions under one advisory lock, so concurrent CreateKey /
 * RotateKey on different instances neither lose nor duplicate keys or versions. Material is opaque to the store
 * (the software provider hands it in already encrypted under its root key).
 *
 * @example
 * ```ts
 * const store = await PostgresKeyStore.open('postgres://keyward@127.0.0.1:5432/keyward')
 * const provider = new SoftwareKeyProvider({ store, rootKey })
 * ```
 */
export class SqlKeyStore implements KeyStore {
  protected constructor(
    protected readonly db: SqlDb,
    private readonly ownsDb: boolean,
  ) {}

  /** A store over an open database (tables created when missing). The caller keeps ownership of `db`. */
  static async over(db: SqlDb): Promise<SqlKeyStore> {
    await migrate(db)
    return new SqlKeyStore(db, false)
  }

  private write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.transaction(fn, LOCKS.keyStore)
  }

  async insertKey(metadata: KeyMetadata): Promise<void> {
    await this.write(async (tx) => {
      if (
        await one(
          tx,
          'SELECT 1 AS x FROM kw_keys WHERE key_id = ? UNION ALL SELECT 1 AS x FROM kw_deleted_keys WHERE key_id = ?',
          [metadata.keyId, metadata.keyId],
        )
      ) {
        throw new KeywardError(
          'InvalidParameterValue',
          `Key ${metadata.keyId} exists or existed; a KeyId is never reused.`,
        )
      }
      if (await one(tx, 'SELECT 1 AS x FROM kw_keys WHERE alias = ?', [metadata.alias]))
        throw aliasTaken(metadata.alias)
      await tx.run('INSERT INTO kw_keys (key_id, alias, create_time, meta) VALUES (?, ?, ?, ?)', [
        metadata.keyId,
        metadata.alias,
        metadata.createTime,
        JSON.stringify(metadata),
      ])
    })
  }

  async getKey(keyId: string): Promise<KeyMetadata | undefined> {
    const row = await one(this.db, 'SELECT meta FROM kw_keys WHERE key_id = ?', [keyId])
    return row && parseMeta(text(row, 'meta'))
  }

  async getKeyByAlias(alias: string): Promise<KeyMetadata | undefined> {
    const row = await one(this.db, 'SELECT meta FROM kw_keys WHERE alias = ?', [alias])
    return row && parseMeta(text(row, 'meta'))
  }

  async listKeys(filter?: ListKeysRequest): Promise<ListKeysResult> {
    const rows = await this.db.all('SELECT meta FROM kw_keys')
    return filterKeys(
      rows.map((r) => parseMeta(text(r, 'meta'))),
      filter,
    )
  }

  async updateKey(keyId: string, patch: Partial<Omit<KeyMetadata, 'keyId'>>): Promise<KeyMetadata> {
    return this.write(async (tx) => {
      const row = await one(tx, 'SELECT meta FROM kw_keys WHERE key_id = ?', [keyId])
      if (!row) throw notFound(keyId)
      const current = parseMeta(text(row, 'meta'))
      if (patch.alias !== undefined && patch.alias !== current.alias) {
        if (await one(tx, 'SELECT 1 AS x FROM kw_keys WHERE alias = ?', [patch.alias])) throw aliasTaken(patch.alias)
      }
      const next: KeyMetadata = { ...current, ...patch, keyId }
      await tx.run('UPDATE kw_keys SET alias = ?, meta = ? WHERE key_id = ?', [next.alias, JSON.stringify(next), keyId])
      return next
    })
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.write(async (tx) => {
      await tx.run('DELETE FROM kw_key_versions WHERE key_id = ?', [keyId])
      await tx.run('DELETE FROM kw_key_records WHERE key_id = ?', [keyId])
      // The tombstone is written in the same transaction: the KeyId stays reserved from the moment the key is gone.
      if ((await tx.run('DELETE FROM kw_keys WHERE key_id = ?', [keyId])) > 0) {
        await tx.run('INSERT INTO kw_deleted_keys (key_id, delete_time) VALUES (?, ?)', [
          keyId,
          Math.floor(Date.now() / 1000),
        ])
      }
    })
  }

  async addVersion(keyId: string, material: Uint8Array): Promise<number> {
    return this.write(async (tx) => {
      if (!(await one(tx, 'SELECT 1 AS x FROM kw_keys WHERE key_id = ?', [keyId]))) throw notFound(keyId)
      const row = await one(tx, 'SELECT COALESCE(MAX(version), 0) AS v FROM kw_key_versions WHERE key_id = ?', [keyId])
      const version = (row ? int(row, 'v') : 0) + 1
      await tx.run('INSERT INTO kw_key_versions (key_id, version, material) VALUES (?, ?, ?)', [
        keyId,
        version,
        toBase64(material),
      ])
      return version
    })
  }

  async getVersion(keyId: string, version: number): Promise<Uint8Array | undefined> {
    const row = await one(this.db, 'SELECT material FROM kw_key_versions WHERE key_id = ? AND version = ?', [
      keyId,
      version,
    ])
    return row && fromBase64(text(row, 'material'), 'material')
  }

  async latestVersion(keyId: string): Promise<number> {
    const row = await one(this.db, 'SELECT COALESCE(MAX(version), 0) AS v FROM kw_key_versions WHERE key_id = ?', [
      keyId,
    ])
    return row ? int(row, 'v') : 0
  }

  async deleteVersions(keyId: string): Promise<void> {
    await this.write((tx) => tx.run('DELETE FROM kw_key_versions WHERE key_id = ?', [keyId]))
  }

  async putRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void> {
    await this.write(async (tx) => {
      await tx.run('DELETE FROM kw_key_records WHERE key_id = ? AND name = ?', [keyId, name])
      if (value !== undefined)
        await tx.run('INSERT INTO kw_key_records (key_id, name, value) VALUES (?, ?, ?)', [
          keyId,
          name,
          toBase64(value),
        ])
    })
  }

  async getRecord(keyId: string, name: string): Promise<Uint8Array | undefined> {
    const row = await one(this.db, 'SELECT value FROM kw_key_records WHERE key_id = ? AND name = ?', [keyId, name])
    return row && fromBase64(text(row, 'value'), 'value')
  }

  async close(): Promise<void> {
    if (this.ownsDb) await this.db.close()
  }
}

/**
 * core's {@link KeyStore} on PostgreSQL, for several server instances (or apps) sharing the same provider keys.
 *
 * @example
 * ```ts
 * const store = await PostgresKeyStore.open({ host: '127.0.0.1', port: 5432, user: 'keyward', database: 'keyward' })
 * ```
 */
export class PostgresKeyStore extends SqlKeyStore {
  /** Opens its own pool (closed by `close()`) and creates the tables when missing. */
  static async open(config: PostgresConfig): Promise<PostgresKeyStore> {
    const db = openPostgresDb(config)
    await migrate(db)
    return new PostgresKeyStore(db, true)
  }
}
