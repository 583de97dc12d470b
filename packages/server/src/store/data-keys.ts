import { KeywardError } from '@keyward/core'
import { LOCKS } from './schema.js'
import { int, one, text, type SqlDb, type SqlRow } from './sql-db.js'

/** States of a hosted data key (Tencent's DataKeyMetadata.KeyState). */
export type DataKeyState = 'Enabled' | 'Disabled' | 'PendingDelete'

/**
 * A data key hosted by the server (GenerateDataKey with IsHostedByKms=1). Only the ciphertext blob — the data
 * key encrypted under its CMK by the provider — is stored; the plaintext exists only while a request runs.
 */
export interface HostedDataKey {
  dataKeyId: string
  accountId: string
  keyId: string
  name: string
  description: string
  numberOfBytes: number
  ciphertextBlob: string
  keyState: DataKeyState
  createTime: number
  deletionDate: number
}

function fromRow(r: SqlRow): HostedDataKey {
  return {
    dataKeyId: text(r, 'data_key_id'),
    accountId: text(r, 'account_id'),
    keyId: text(r, 'key_id'),
    name: text(r, 'name'),
    description: text(r, 'description'),
    numberOfBytes: int(r, 'number_of_bytes'),
    ciphertextBlob: text(r, 'ciphertext_blob'),
    keyState: text(r, 'key_state') as DataKeyState,
    createTime: int(r, 'create_time'),
    deletionDate: int(r, 'deletion_date'),
  }
}

/** Hosted data keys in the server store, scoped to their account. */
export class DataKeys {
  constructor(private readonly db: SqlDb) {}

  async add(k: HostedDataKey): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (await one(tx, 'SELECT 1 AS x FROM srv_data_keys WHERE account_id = ? AND name = ?', [k.accountId, k.name])) {
        throw new KeywardError('InvalidParameterValue', `DataKeyName ${k.name} is already used by another data key.`)
      }
      await tx.run(
        'INSERT INTO srv_data_keys (data_key_id, account_id, key_id, name, description, number_of_bytes, ciphertext_blob, key_state, create_time, deletion_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          k.dataKeyId,
          k.accountId,
          k.keyId,
          k.name,
          k.description,
          k.numberOfBytes,
          k.ciphertextBlob,
          k.keyState,
          k.createTime,
          k.deletionDate,
        ],
      )
    }, LOCKS.dataKeys)
  }

  /** True when the account already has a data key named `name`. */
  async nameTaken(accountId: string, name: string): Promise<boolean> {
    return (
      (await one(this.db, 'SELECT 1 AS x FROM srv_data_keys WHERE account_id = ? AND name = ?', [accountId, name])) !==
      undefined
    )
  }

  /** The account's data key, or undefined (another account's keys are invisible). */
  async get(accountId: string, dataKeyId: string): Promise<HostedDataKey | undefined> {
    const row = await one(this.db, 'SELECT * FROM srv_data_keys WHERE data_key_id = ? AND account_id = ?', [
      dataKeyId,
      accountId,
    ])
    return row && fromRow(row)
  }

  /** The account's data keys, newest first, optionally filtered, one page. */
  async list(
    accountId: string,
    offset: number,
    limit: number,
    filter: (k: HostedDataKey) => boolean = () => true,
  ): Promise<{ keys: HostedDataKey[]; totalCount: number }> {
    const all = (
      await this.db.all('SELECT * FROM srv_data_keys WHERE account_id = ? ORDER BY create_time DESC, data_key_id', [
        accountId,
      ])
    )
      .map(fromRow)
      .filter(filter)
    return { keys: all.slice(offset, offset + limit), totalCount: all.length }
  }

  async setState(dataKeyId: string, keyState: DataKeyState, deletionDate: number): Promise<void> {
    await this.db.run('UPDATE srv_data_keys SET key_state = ?, deletion_date = ? WHERE data_key_id = ?', [
      keyState,
      deletionDate,
      dataKeyId,
    ])
  }

  /** Renames a data key; names are unique per account. */
  async rename(accountId: string, dataKeyId: string, name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const clash = await one(tx, 'SELECT data_key_id FROM srv_data_keys WHERE account_id = ? AND name = ?', [
        accountId,
        name,
      ])
      if (clash && text(clash, 'data_key_id') !== dataKeyId) {
        throw new KeywardError('InvalidParameterValue', `DataKeyName ${name} is already used by another data key.`)
      }
      await tx.run('UPDATE srv_data_keys SET name = ? WHERE data_key_id = ? AND account_id = ?', [
        name,
        dataKeyId,
        accountId,
      ])
    }, LOCKS.dataKeys)
  }

  async setDescription(dataKeyId: string, description: string): Promise<void> {
    await this.db.run('UPDATE srv_data_keys SET description = ? WHERE data_key_id = ?', [description, dataKeyId])
  }

  /** Deletes keys whose deletion window has passed; returns how many. */
  async purge(nowSeconds: number): Promise<number> {
    return this.db.run("DELETE FROM srv_data_keys WHERE key_state = 'PendingDelete' AND deletion_date <= ?", [
      nowSeconds,
    ])
  }
}
