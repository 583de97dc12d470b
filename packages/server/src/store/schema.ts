import { KeywardError } from '@keyward/core'
import type { SqlDb, SqlTx } from './sql-db.js'

/**
 * Tables of the server's store, in SQL both SQLite and PostgreSQL accept. Bytes are base64 TEXT; times are
 * Unix seconds (audit: ms) in BIGINT. `CREATE ... IF NOT EXISTS` makes start-up idempotent, so instances
 * sharing one PostgreSQL database may all run it.
 */
const TABLES = [
  // KeyStore (PostgresKeyStore / SqlKeyStore): what the backing provider keeps about its keys.
  `CREATE TABLE IF NOT EXISTS kw_keys (key_id TEXT PRIMARY KEY, alias TEXT NOT NULL UNIQUE, create_time BIGINT NOT NULL, meta TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS kw_key_versions (key_id TEXT NOT NULL, version INTEGER NOT NULL, material TEXT NOT NULL, PRIMARY KEY (key_id, version))`,
  `CREATE TABLE IF NOT EXISTS kw_key_records (key_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key_id, name))`,
  // Every KeyId the key store ever deleted: never reused.
  `CREATE TABLE IF NOT EXISTS kw_deleted_keys (key_id TEXT PRIMARY KEY, delete_time BIGINT NOT NULL)`,
  // Accounts: SecretKey sealed under the server root key (HMAC verification needs it back).
  `CREATE TABLE IF NOT EXISTS srv_accounts (account_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, secret_id TEXT NOT NULL UNIQUE, sealed_secret_key TEXT NOT NULL, policy TEXT NOT NULL, is_admin INTEGER NOT NULL, create_time BIGINT NOT NULL)`,
  // Which account owns which provider key, under which per-account alias.
  `CREATE TABLE IF NOT EXISTS srv_key_owners (key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, alias TEXT NOT NULL, create_time BIGINT NOT NULL, UNIQUE (account_id, alias))`,
  // Every alias a key has had: Deny statements keep matching a renamed key (see policy.ts).
  `CREATE TABLE IF NOT EXISTS srv_alias_history (key_id TEXT NOT NULL, alias TEXT NOT NULL, PRIMARY KEY (key_id, alias))`,
  // Every KeyId that was ever owned and is gone (purged or lost by the provider): never reused, grants gone.
  `CREATE TABLE IF NOT EXISTS srv_key_tombstones (key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, delete_time BIGINT NOT NULL)`,
  // Tags of keys (CreateKey Tags, ListKeyDetail TagFilters); they go when the key is retired.
  `CREATE TABLE IF NOT EXISTS srv_key_tags (key_id TEXT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, PRIMARY KEY (key_id, tag_key))`,
  // Keys scheduled for deletion and the end of their window: the deletion sweeper retires them once purged.
  `CREATE TABLE IF NOT EXISTS srv_pending_deletions (key_id TEXT PRIMARY KEY, deletion_date BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS srv_grants (grant_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, owner_id TEXT NOT NULL, grantee_id TEXT NOT NULL, actions TEXT NOT NULL, create_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS srv_data_keys (data_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, key_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, number_of_bytes INTEGER NOT NULL, ciphertext_blob TEXT NOT NULL, key_state TEXT NOT NULL, create_time BIGINT NOT NULL, deletion_date BIGINT NOT NULL, UNIQUE (account_id, name))`,
  `CREATE TABLE IF NOT EXISTS srv_audit (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, account_id TEXT NOT NULL, action TEXT NOT NULL, key_id TEXT NOT NULL, result TEXT NOT NULL, request_id TEXT NOT NULL, source_ip TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, secret_id TEXT NOT NULL DEFAULT '', mac TEXT NOT NULL DEFAULT '', hash_alg TEXT NOT NULL DEFAULT 'sha256')`,
  // The chain's head, so that cutting entries off the end is detected too.
  `CREATE TABLE IF NOT EXISTS srv_audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL, mac TEXT NOT NULL DEFAULT '', hash_alg TEXT NOT NULL DEFAULT 'sha256')`,
  `CREATE TABLE IF NOT EXISTS srv_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // Strict mode's replay cache when instances share PostgreSQL: signatures seen, until their timestamp expires.
  `CREATE TABLE IF NOT EXISTS srv_replay (signature TEXT PRIMARY KEY, expires BIGINT NOT NULL)`,
  // Live server instances (heartbeat), so that each takes its share of a cluster-wide rate limit.
  `CREATE TABLE IF NOT EXISTS srv_instances (instance_id TEXT PRIMARY KEY, seen BIGINT NOT NULL)`,
]

/**
 * Version 1 had no schema row; version 2 added tombstones, alias history, the keyed audit MAC and SecretIds; version 3
 * records each audit entry's hash (SHA-256, or SM3 under the gm compliance profile).
 */
export const SERVER_SCHEMA_VERSION = 3

/** Upgrades of tables that version 1 created without the columns version 2 adds. */
const UPGRADE_FROM_1 = [
  `ALTER TABLE srv_audit ADD COLUMN secret_id TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE srv_audit ADD COLUMN mac TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE srv_audit_head ADD COLUMN mac TEXT NOT NULL DEFAULT ''`,
]

/** Upgrades of audit tables that versions 1 and 2 created without the hash of each entry (theirs are all SHA-256). */
const UPGRADE_FROM_2 = [
  `ALTER TABLE srv_audit ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'sha256'`,
  `ALTER TABLE srv_audit_head ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'sha256'`,
]

/** Advisory-lock keys that serialise writers across instances sharing one PostgreSQL database. */
export const LOCKS = { keyStore: 7_301, audit: 7_302, accounts: 7_303, dataKeys: 7_304 } as const

/** True when `table` exists (read-only: safe for `keyward audit verify`). */
export async function tableExists(db: SqlTx, dialect: SqlDb['dialect'], table: string): Promise<boolean> {
  const rows =
    dialect === 'sqlite'
      ? await db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
      : await db.all('SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?', [table])
  return rows.length > 0
}

async function versionOf(tx: SqlTx, dialect: SqlDb['dialect']): Promise<number> {
  if (await tableExists(tx, dialect, 'srv_settings')) {
    const [row] = await tx.all("SELECT value FROM srv_settings WHERE name = 'schema_version'")
    if (row) return Number(row['value'])
  }
  return (await tableExists(tx, dialect, 'srv_accounts')) ? 1 : 0
}

/**
 * Creates the tables when missing and upgrades older ones. Refuses a store whose audit tables were dropped while
 * it still holds accounts: re-creating them would start a fresh, "intact" log over the evidence that was removed.
 */
export async function migrate(db: SqlDb): Promise<void> {
  await db.transaction(async (tx) => {
    const version = await versionOf(tx, db.dialect)
    if (version > SERVER_SCHEMA_VERSION) {
      throw new KeywardError(
        'FailedOperation.StoreError',
        `Server store schema version ${version} is newer than this Keyward (${SERVER_SCHEMA_VERSION}); upgrade Keyward.`,
      )
    }
    if (version >= 1) {
      const accounts = await tx.all('SELECT 1 AS x FROM srv_accounts LIMIT 1')
      const auditGone =
        !(await tableExists(tx, db.dialect, 'srv_audit')) || !(await tableExists(tx, db.dialect, 'srv_audit_head'))
      if (accounts.length > 0 && auditGone) {
        throw new KeywardError(
          'FailedOperation.StoreError',
          'The audit log tables of this store are missing (dropped?) while it holds accounts: restore them from a backup; Keyward will not start a new log over removed evidence.',
        )
      }
    }
    if (version === 1) for (const sql of UPGRADE_FROM_1) await tx.run(sql)
    if (version === 1 || version === 2) for (const sql of UPGRADE_FROM_2) await tx.run(sql)
    for (const sql of TABLES) await tx.run(sql)
    if (version < SERVER_SCHEMA_VERSION) {
      await tx.run("DELETE FROM srv_settings WHERE name = 'schema_version'")
      await tx.run("INSERT INTO srv_settings (name, value) VALUES ('schema_version', ?)", [
        String(SERVER_SCHEMA_VERSION),
      ])
    }
  }, LOCKS.accounts)
}
