import { systemClock, type Clock } from '@keyward/core'
import { randomUUID } from 'node:crypto'
import { Accounts, dropKeyFromPoliciesIn, type NewAccount } from './accounts.js'
import { AuditChain } from './audit-chain.js'
import type { AuditHash, AuditMacKeys } from './audit-hash.js'
import { DataKeys } from './data-keys.js'
import { Grants } from './grants.js'
import { KeyOwners, type KeyOwner } from './key-owners.js'
import { KeyTags } from './key-tags.js'
import { PendingDeletions } from './pending-deletions.js'
import type { KeyTag } from '../protocol/tags.js'
import { openPostgresDb, type PostgresConfig } from './postgres-db.js'
import { LOCKS, migrate } from './schema.js'
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
  readonly tags: KeyTags
  readonly pendingDeletions: PendingDeletions
  readonly grants: Grants
  readonly dataKeys: DataKeys
  readonly audit: AuditChain

  /**
   * `auditMacKey`: see {@link auditMacKey}; undefined only for the benchmark's unkeyed baseline. `auditHash`: the hash
   * new audit entries are chained and MAC'd with (SM3 under the gm compliance profile).
   */
  constructor(
    readonly db: SqlDb,
    box: SecretBox,
    clock: Clock = systemClock,
    auditMacKey?: AuditMacKeys,
    auditHash: AuditHash = 'sha256',
  ) {
    this.accounts = new Accounts(db, box, clock)
    this.owners = new KeyOwners(db)
    this.tags = new KeyTags(db)
    this.pendingDeletions = new PendingDeletions(db)
    this.grants = new Grants(db)
    this.dataKeys = new DataKeys(db)
    this.audit = new AuditChain(db, auditMacKey, auditHash)
  }

  /**
   * Creates an account outside any request (first start, an operator's tool) and audits it as `CreateAccount`
   * from `source`: every account's creation is in the log, so an empty log beside accounts reveals a wipe.
   */
  async createAccount(opts: Parameters<Accounts['create']>[0], source: string): Promise<NewAccount> {
    const a = await this.accounts.create(opts)
    await this.audit.append({
      time: Date.now(),
      accountId: a.accountId,
      secretId: a.secretId,
      action: 'CreateAccount',
      keyId: '',
      result: 'Success',
      requestId: randomUUID(),
      sourceIp: source,
    })
    return a
  }

  /** Records a new key's owner and its tags in one transaction (see KeyOwners.add). */
  async addKey(owner: Omit<KeyOwner, 'formerAliases'>, tags: readonly KeyTag[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.owners.addIn(tx, owner)
      await this.tags.addIn(tx, owner.keyId, tags)
    }, LOCKS.keyStore)
  }

  /**
   * A key is gone for good (purged, or lost by the provider): in one transaction its ownership becomes a
   * tombstone (the KeyId is never reused), its grants are deleted and every policy's `key/<KeyId>` goes.
   */
  async retireKey(keyId: string, nowSeconds: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      if ((await this.owners.retireIn(tx, keyId, nowSeconds)) === undefined) return
      await this.grants.removeForKeyIn(tx, keyId)
      await this.tags.removeIn(tx, keyId)
      await this.pendingDeletions.removeIn(tx, keyId)
      await dropKeyFromPoliciesIn(tx, keyId)
    }, LOCKS.keyStore)
    this.owners.forget(keyId)
    this.accounts.invalidate()
  }

  async close(): Promise<void> {
    await this.audit.drain()
    await this.db.close()
  }
}

/** Options of {@link openDb}. */
export interface OpenDbOptions {
  /**
   * Open without any write: no table is created or migrated, SQLite opens the file read-only (it must exist),
   * PostgreSQL sessions are read-only. What `keyward audit verify` uses: checking evidence must not change it.
   */
  readOnly?: boolean
}

/** Opens the database of a store config and (unless read-only) creates missing tables. */
export async function openDb(config: StoreConfig, options: OpenDbOptions = {}): Promise<SqlDb> {
  const readOnly = options.readOnly === true
  const db =
    'db' in config
      ? config.db
      : 'sqlite' in config
        ? openSqliteDb(config.sqlite, { readOnly })
        : openPostgresDb(config.postgres, { readOnly })
  if (!readOnly) {
    try {
      await migrate(db)
    } catch (e) {
      if (!('db' in config)) await db.close().catch(() => undefined)
      throw e
    }
  }
  return db
}
