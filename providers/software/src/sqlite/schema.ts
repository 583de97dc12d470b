import type Database from 'better-sqlite3'
import { KeywardError } from '@keyward/core'

/**
 * The SQLite schema of {@link SqliteKeyStore}, as numbered migrations. Generic on purpose: the PKCS#11 provider
 * keeps its metadata in the same tables, so nothing here is specific to software keys. `material` and `value`
 * are opaque bytes the provider wrote (sealed under its root key, or a token object reference).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: keys, their versions and named per-key records.
  `CREATE TABLE keys (
     key_id      TEXT PRIMARY KEY NOT NULL,
     alias       TEXT NOT NULL,
     create_time INTEGER NOT NULL,
     key_state   TEXT NOT NULL,
     key_usage   TEXT NOT NULL,
     origin      TEXT NOT NULL,
     metadata    TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX keys_alias ON keys (alias);
   CREATE INDEX keys_newest ON keys (create_time DESC, key_id);
   CREATE TABLE key_versions (
     key_id   TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
     version  INTEGER NOT NULL CHECK (version > 0),
     material BLOB NOT NULL,
     PRIMARY KEY (key_id, version)
   ) WITHOUT ROWID;
   CREATE TABLE key_records (
     key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
     name   TEXT NOT NULL,
     value  BLOB NOT NULL,
     PRIMARY KEY (key_id, name)
   ) WITHOUT ROWID;`,
  // 2: tombstones: the KeyId of every deleted key, never reused (a grant or blob naming it cannot move to a new key).
  `CREATE TABLE deleted_keys (
     key_id      TEXT PRIMARY KEY NOT NULL,
     delete_time INTEGER NOT NULL
   ) WITHOUT ROWID;`,
]

/** The schema version this code writes; a store with a higher one was written by a newer Keyward. */
export const SCHEMA_VERSION = MIGRATIONS.length

/** Table holding the applied schema version (one row). */
export const SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS keyward_schema (version INTEGER NOT NULL)`

/**
 * Brings a store to {@link SCHEMA_VERSION} in one immediate transaction (a second process opening the same
 * file waits rather than migrating twice); refuses a store written by a newer Keyward.
 */
export function migrate(db: Database.Database): void {
  db.exec(SCHEMA_TABLE)
  db.transaction(() => {
    const row = db.prepare(`SELECT version FROM keyward_schema`).get() as { version: number } | undefined
    const current = row?.version ?? 0
    if (current > SCHEMA_VERSION) {
      throw new KeywardError(
        'FailedOperation.StoreError',
        `Key store schema version ${current} is newer than this Keyward (${SCHEMA_VERSION}); upgrade Keyward.`,
      )
    }
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string)
    if (row) db.prepare(`UPDATE keyward_schema SET version = ?`).run(SCHEMA_VERSION)
    else db.prepare(`INSERT INTO keyward_schema (version) VALUES (?)`).run(SCHEMA_VERSION)
  }).immediate()
}
