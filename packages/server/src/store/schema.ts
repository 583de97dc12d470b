import type { SqlDb } from './sql-db.js'

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
  // Accounts: SecretKey sealed under the server root key (HMAC verification needs it back).
  `CREATE TABLE IF NOT EXISTS srv_accounts (account_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, secret_id TEXT NOT NULL UNIQUE, sealed_secret_key TEXT NOT NULL, policy TEXT NOT NULL, is_admin INTEGER NOT NULL, create_time BIGINT NOT NULL)`,
  // Which account owns which provider key, under which per-account alias.
  `CREATE TABLE IF NOT EXISTS srv_key_owners (key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, alias TEXT NOT NULL, create_time BIGINT NOT NULL, UNIQUE (account_id, alias))`,
  `CREATE TABLE IF NOT EXISTS srv_grants (grant_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, owner_id TEXT NOT NULL, grantee_id TEXT NOT NULL, actions TEXT NOT NULL, create_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS srv_data_keys (data_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, key_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, number_of_bytes INTEGER NOT NULL, ciphertext_blob TEXT NOT NULL, key_state TEXT NOT NULL, create_time BIGINT NOT NULL, deletion_date BIGINT NOT NULL, UNIQUE (account_id, name))`,
  `CREATE TABLE IF NOT EXISTS srv_audit (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, account_id TEXT NOT NULL, action TEXT NOT NULL, key_id TEXT NOT NULL, result TEXT NOT NULL, request_id TEXT NOT NULL, source_ip TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
  // The chain's head, so that cutting entries off the end is detected too.
  `CREATE TABLE IF NOT EXISTS srv_audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS srv_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
]

/** Advisory-lock keys that serialise writers across instances sharing one PostgreSQL database. */
export const LOCKS = { keyStore: 7_301, audit: 7_302, accounts: 7_303, dataKeys: 7_304 } as const

/** Creates the tables when missing. */
export async function migrate(db: SqlDb): Promise<void> {
  await db.transaction(async (tx) => {
    for (const sql of TABLES) await tx.run(sql)
  }, LOCKS.accounts)
}
