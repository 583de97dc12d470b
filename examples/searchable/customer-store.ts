/**
 * The example's application code: a `customers` table whose personal data is encrypted field by field (envelope
 * JSON field encryption under a CMK) and found by phone or 身份证 number through blind indexes. It runs on any
 * {@link SqlDb} — SQLite by default, PostgreSQL in the tests — through the thin SQL adapter of @keyward/server.
 *
 * Schema: the encrypted JSON document, and one indexed text column per blind index. The index key's blob lives in
 * the same database (`index_keys`): it is useless without the CMK that wraps it.
 */
import type { KeyProvider } from '@keyward/core'
import { EnvelopeClient, ProviderMasterKey } from '@keyward/flows/envelope'
import {
  BlindIndex,
  IndexKey,
  normalizeIdCardCN,
  normalizeMobileCN,
  recommendBits,
  type IndexHash,
} from '@keyward/flows/searchable'
import type { SqlDb, SqlValue } from '@keyward/server'
import type { Customer } from './customer-data.js'

/** The fields encrypted in every row. */
export const ENCRYPTED_FIELDS = ['name', 'phone', 'id_number', 'bank_card', 'email'] as const
/** Bound to every row's data key: a row of another table does not decrypt here. */
const CONTEXT = { table: 'customers' }
/** Rows per INSERT statement (4 parameters each: well under SQLite's and PostgreSQL's limits). */
const BATCH = 500

export interface CustomerStoreOptions {
  db: SqlDb
  provider: KeyProvider
  /** The CMK that wraps the rows' data keys and the index key. */
  cmkId: string
  /** Rows the table is planned for: chooses the index bits (recommendBits). */
  plannedRows: number
  hash?: IndexHash
}

/** What one lookup did: the matching customers, and how many rows the index returned (and were decrypted). */
export interface LookupResult {
  customers: Array<Customer & { id: number }>
  candidates: number
}

export class CustomerStore {
  private constructor(
    readonly db: SqlDb,
    readonly phone: BlindIndex,
    readonly idNumber: BlindIndex,
    private readonly key: IndexKey,
    private readonly envelope: EnvelopeClient,
  ) {}

  /** Creates the tables if needed, loads (or at first start generates) the index key, and builds the indexes. */
  static async open(o: CustomerStoreOptions): Promise<CustomerStore> {
    const id = o.db.dialect === 'postgres' ? 'BIGINT PRIMARY KEY' : 'INTEGER PRIMARY KEY'
    await o.db.run(
      `CREATE TABLE IF NOT EXISTS customers (id ${id}, doc TEXT NOT NULL, phone_bidx TEXT NOT NULL, id_number_bidx TEXT NOT NULL)`,
    )
    await o.db.run('CREATE INDEX IF NOT EXISTS customers_phone_bidx ON customers (phone_bidx)')
    await o.db.run('CREATE INDEX IF NOT EXISTS customers_id_number_bidx ON customers (id_number_bidx)')
    await o.db.run(
      'CREATE TABLE IF NOT EXISTS index_keys (name TEXT PRIMARY KEY, key_id TEXT NOT NULL, ciphertext_blob TEXT NOT NULL)',
    )
    let [row] = await o.db.all('SELECT key_id, ciphertext_blob FROM index_keys WHERE name = ?', ['customers'])
    if (!row) {
      const blob = await IndexKey.generate(o.provider, o.cmkId)
      await o.db.run('INSERT INTO index_keys (name, key_id, ciphertext_blob) VALUES (?, ?, ?)', [
        'customers',
        blob.keyId,
        blob.ciphertextBlob,
      ])
      row = { key_id: blob.keyId, ciphertext_blob: blob.ciphertextBlob }
    }
    const key = new IndexKey({
      provider: o.provider,
      keyId: String(row.key_id),
      ciphertextBlob: String(row.ciphertext_blob),
    })
    // Phone and 身份证 numbers are unique per customer: distinct values = rows.
    const expected = { rows: o.plannedRows }
    const { bits } = recommendBits(expected)
    const common = { key, table: 'customers', bits, expected, ...(o.hash ? { hash: o.hash } : {}) }
    const phone = await BlindIndex.create({ ...common, field: 'phone', normalize: normalizeMobileCN })
    const idNumber = await BlindIndex.create({ ...common, field: 'id_number', normalize: normalizeIdCardCN })
    // Data keys are reused for up to 10 000 rows: 100 000 rows cost 10 GenerateDataKey calls, not 100 000.
    const envelope = new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: o.provider, keyId: o.cmkId }),
      cache: { maxMessages: 10_000, maxAgeMs: 600_000 },
    })
    return new CustomerStore(o.db, phone, idNumber, key, envelope)
  }

  /** Encrypts and inserts customers (ids continue from the largest); the blind indexes come from encryptJsonFields. */
  async insert(customers: readonly Customer[]): Promise<void> {
    const [top] = await this.db.all('SELECT MAX(id) AS n FROM customers')
    let next = Number(top?.n ?? 0) + 1
    const rows: SqlValue[][] = []
    for (const c of customers) {
      const doc = await this.envelope.encryptJsonFields({ ...c }, ENCRYPTED_FIELDS, {
        encryptionContext: CONTEXT,
        blindIndexes: { phone: this.phone, id_number: this.idNumber },
      })
      const { phone_bidx, id_number_bidx, ...stored } = doc
      rows.push([next++, JSON.stringify(stored), phone_bidx as string, id_number_bidx as string])
    }
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH)
        await tx.run(
          `INSERT INTO customers (id, doc, phone_bidx, id_number_bidx) VALUES ${batch.map(() => '(?, ?, ?, ?)').join(', ')}`,
          batch.flat(),
        )
      }
    })
  }

  /**
   * Customers with this mobile number (any way of writing it); throws InvalidIndexValue for a number that is not one.
   */
  findByPhone(phone: string): Promise<LookupResult> {
    return this.find(this.phone, 'phone', phone)
  }

  /** Customers with this 身份证 number; throws InvalidIndexValue when its checksum or date is wrong. */
  findByIdNumber(idNumber: string): Promise<LookupResult> {
    return this.find(this.idNumber, 'id_number', idNumber)
  }

  /** The index lookup: rows whose index column matches, decrypted, then the false positives dropped. */
  private async find(index: BlindIndex, field: 'phone' | 'id_number', value: string): Promise<LookupResult> {
    const lookup = index.lookup(value)
    // Column names come from the index (identifiers it checked), values are bound parameters.
    const rows = await this.db.all(
      `SELECT id, doc FROM customers WHERE ${lookup.map((l) => `${l.column} = ?`).join(' OR ')}`,
      lookup.map((l) => l.value),
    )
    const customers: LookupResult['customers'] = []
    for (const r of rows) {
      const { object } = await this.envelope.decryptJsonFields(
        JSON.parse(String(r.doc)) as Record<string, unknown>,
        ENCRYPTED_FIELDS,
        { encryptionContext: CONTEXT },
      )
      if (index.matches(object[field], value)) customers.push({ id: Number(r.id), ...(object as unknown as Customer) })
    }
    return { customers, candidates: rows.length }
  }

  async count(): Promise<number> {
    const [r] = await this.db.all('SELECT COUNT(*) AS n FROM customers')
    return Number(r?.n ?? 0)
  }

  /** Zeroes the index key; the database stays open (its owner closes it). */
  close(): void {
    this.key.close()
  }
}
