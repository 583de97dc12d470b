import { systemClock, type Clock } from '@keyward/core'
import { Accounts } from './accounts.js'
import { AuditChain } from './audit-chain.js'
import { DataKeys } from './data-keys.js'
import { Grants } from './grants.js'
import { KeyOwners } from './key-owners.js'
import { openPostgresDb, type PostgresConfig } from './postgres-db.js'
import { migrate } from './schema.js'
import type { SecretBox } from './secret-box.js'
import type { SqlDb } from './sql-db.js'
import { openSqliteDb } from './sqlite-db.js'

/** Where the server keeps its state: an SQLite file (default) or PostgreSQL (several instances). */
export type StoreConfig = { sqlite: string } | { postgres: PostgresConfig } | { db: SqlDb }

/**
 * Everything the server stores besides provider keys: accounts, key ownership and aliases, grants, hosted data
 * keys and the audit chain.
 */
export class ServerStore {
  readonly accounts: Accounts
  readonly owners: KeyOwners
  readonly grants: Grants
  readonly dataKeys: DataKeys
  readonly audit: AuditChain

  constructor(readonly db: SqlDb, box: SecretBox, clock: Clock = systemClock) {
    this.accounts = new Accounts(db, box, clock)
    this.owners = new KeyOwners(db)
    this.grants = new Grants(db)
    this.dataKeys = new DataKeys(db)
    this.audit = new AuditChain(db)
  }

  async close(): Promise<void> {
    await this.audit.drain()
    await this.db.close()
  }
}

/** Opens the database of a store config and creates missing tables. */
export async function openDb(config: StoreConfig): Promise<SqlDb> {
  const db = 'db' in config ? config.db : 'sqlite' in config ? openSqliteDb(config.sqlite) : openPostgresDb(config.postgres)
  await migrate(db)
  return db
}
