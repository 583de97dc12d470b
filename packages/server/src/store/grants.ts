import { randomUUID } from 'node:crypto'
import { needs } from '@keyward/core'
import { int, one, text, type SqlDb, type SqlRow, type SqlTx } from './sql-db.js'

/** A grant: the owner of a key lets another account perform named actions on it (Keyward extension). */
export interface Grant {
  grantId: string
  keyId: string
  ownerId: string
  granteeId: string
  actions: string[]
  createTime: number
}

function fromRow(row: SqlRow): Grant {
  return {
    grantId: text(row, 'grant_id'),
    keyId: text(row, 'key_id'),
    ownerId: text(row, 'owner_id'),
    granteeId: text(row, 'grantee_id'),
    actions: JSON.parse(text(row, 'actions')) as string[],
    createTime: int(row, 'create_time'),
  }
}

/** Grants in the server store. */
export class Grants {
  constructor(private readonly db: SqlDb) {}

  async create(g: Omit<Grant, 'grantId'>): Promise<Grant> {
    const grant: Grant = { ...g, grantId: randomUUID() }
    await this.db.run(
      'INSERT INTO srv_grants (grant_id, key_id, owner_id, grantee_id, actions, create_time) VALUES (?, ?, ?, ?, ?, ?)',
      [grant.grantId, grant.keyId, grant.ownerId, grant.granteeId, JSON.stringify(grant.actions), grant.createTime],
    )
    return grant
  }

  /** Revokes a grant the owner made; throws InvalidParameterValue when the owner has no such grant. */
  async revoke(grantId: string, ownerId: string): Promise<Grant> {
    const row = await one(this.db, 'SELECT * FROM srv_grants WHERE grant_id = ? AND owner_id = ?', [grantId, ownerId])
    needs(row, 'InvalidParameterValue', `No grant ${grantId.slice(0, 64)} of this account.`)
    await this.db.run('DELETE FROM srv_grants WHERE grant_id = ?', [grantId])
    return fromRow(row)
  }

  /**
   * Actions `granteeId` may perform on `keyId` through grants made by `ownerId`, the key's current owner: a grant
   * authorises only while the account that made it owns the key.
   */
  async actionsFor(keyId: string, granteeId: string, ownerId: string): Promise<Set<string>> {
    const rows = await this.db.all(
      'SELECT actions FROM srv_grants WHERE key_id = ? AND grantee_id = ? AND owner_id = ?',
      [keyId, granteeId, ownerId],
    )
    return new Set(rows.flatMap((r) => JSON.parse(text(r, 'actions')) as string[]))
  }

  /** Grants `ownerId` made on `keyId`, oldest first. */
  async listForKey(keyId: string, ownerId: string): Promise<Grant[]> {
    return (
      await this.db.all('SELECT * FROM srv_grants WHERE key_id = ? AND owner_id = ? ORDER BY create_time', [
        keyId,
        ownerId,
      ])
    ).map(fromRow)
  }

  /** Inside `tx`: removes every grant on `keyId` (its key is gone). */
  async removeForKeyIn(tx: SqlTx, keyId: string): Promise<void> {
    await tx.run('DELETE FROM srv_grants WHERE key_id = ?', [keyId])
  }
}
