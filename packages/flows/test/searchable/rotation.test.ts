import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnvelopeClient, ProviderMasterKey } from '@keyward/flows/envelope'
import { BlindIndex, IndexKey, normalizeMobileCN, type IndexLookup } from '@keyward/flows/searchable'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { generateCustomers, type Customer } from '../../../../examples/searchable/customer-data.js'
import { softwareWithCmk } from './helpers.js'

// Rotation without downtime, on a real SQLite table: a new index key beside the old one, both written during the
// transition, lookups trying both; a backfill; then the old key retired. Several "instances" (index objects with
// different key rings) run side by side, as during a rolling deploy.
let provider: SoftwareKeyProvider
let cmkId: string
let db: Database.Database
let client: EnvelopeClient
const people = generateCustomers(600, 99)

beforeAll(async () => {
  ;({ provider, cmkId } = await softwareWithCmk())
  db = new Database(':memory:')
  db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, doc TEXT NOT NULL, phone_bidx TEXT)')
  db.exec('CREATE INDEX customers_phone_bidx ON customers (phone_bidx)')
  client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider, keyId: cmkId }), cache: true })
})
afterAll(async () => {
  db.close()
  await provider.close()
})

async function insert(index: BlindIndex, batch: readonly Customer[]): Promise<void> {
  for (const c of batch) {
    const row = await client.encryptJsonFields({ ...c }, ['name', 'phone'], { blindIndexes: { phone: index } })
    const cols = index.columns
    const values = cols.map((col) => row[col] as string)
    for (const col of cols) delete row[col]
    db.prepare(`INSERT INTO customers (doc, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`).run(
      JSON.stringify(row),
      ...values,
    )
  }
}

/** The rows the index finds for `phone` (false positives dropped after decryption). */
async function find(index: BlindIndex, phone: string): Promise<string[]> {
  const l: IndexLookup[] = index.lookup(phone)
  const rows = db
    .prepare(`SELECT doc FROM customers WHERE ${l.map((x) => `${x.column} = ?`).join(' OR ')}`)
    .all(...l.map((x) => x.value)) as Array<{ doc: string }>
  const out: string[] = []
  for (const r of rows) {
    const { object } = await client.decryptJsonFields(JSON.parse(r.doc) as Record<string, unknown>, ['name', 'phone'])
    if (index.matches(object.phone, phone)) out.push(object.phone as string)
  }
  return out
}

async function everyoneFound(index: BlindIndex, batch: readonly Customer[]): Promise<void> {
  for (const c of batch) expect(await find(index, `+86 ${c.phone}`), c.phone).toEqual([c.phone])
}

describe('index key rotation', () => {
  it('old key → both keys (dual write, lookups try both) → backfill → new key only; every row found at every step', async () => {
    const k1 = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)) })
    const k2 = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)), version: 'v2' })
    // few bits: many false positives to drop
    const common = { table: 'customers', field: 'phone', normalize: normalizeMobileCN, bits: 8 }
    const oldOnly = await BlindIndex.create({ ...common, key: k1 })
    const both = await BlindIndex.create({ ...common, key: [k1, k2] })
    const newOnly = await BlindIndex.create({ ...common, key: k2 })
    expect(both.columns).toEqual(['phone_bidx', 'phone_bidx_v2'])
    expect(newOnly.columns).toEqual(['phone_bidx_v2'])
    const [before, during, after] = [people.slice(0, 200), people.slice(200, 400), people.slice(400)]

    // 1. Steady state under k1.
    await insert(oldOnly, before)
    await everyoneFound(oldOnly, before)

    // 2. Transition: the new column, then instances that write both; instances not yet redeployed keep working.
    db.exec('ALTER TABLE customers ADD COLUMN phone_bidx_v2 TEXT')
    db.exec('CREATE INDEX customers_phone_bidx_v2 ON customers (phone_bidx_v2)')
    await insert(both, during)
    await everyoneFound(oldOnly, [...before, ...during]) // an old instance finds rows the new ones wrote
    await everyoneFound(both, [...before, ...during])
    const row = db.prepare('SELECT phone_bidx, phone_bidx_v2 FROM customers WHERE id = 201').get() as Record<
      string,
      string
    >
    expect(row).toEqual({ phone_bidx: oldOnly.index(during[0]!.phone), phone_bidx_v2: newOnly.index(during[0]!.phone) })

    // 3. Backfill the new column from the decrypted values (in batches in real life).
    const pending = db.prepare('SELECT id, doc FROM customers WHERE phone_bidx_v2 IS NULL').all() as Array<{
      id: number
      doc: string
    }>
    expect(pending).toHaveLength(before.length)
    for (const r of pending) {
      const { object } = await client.decryptJsonFields(JSON.parse(r.doc) as Record<string, unknown>, ['name', 'phone'])
      db.prepare('UPDATE customers SET phone_bidx_v2 = ? WHERE id = ?').run(newOnly.index(object.phone), r.id)
    }
    await everyoneFound(newOnly, [...before, ...during])

    // The two keys really differ: values agree only by chance (≈ 1 in 2^8).
    expect(people.filter((c) => oldOnly.index(c.phone) === newOnly.index(c.phone)).length).toBeLessThan(20)

    // 4. Retire k1: instances on the new key only; the old column goes; the old key is closed.
    db.exec('DROP INDEX customers_phone_bidx')
    db.exec('ALTER TABLE customers DROP COLUMN phone_bidx')
    k1.close()
    await insert(newOnly, after)
    await everyoneFound(newOnly, people)
    expect(() => both.index('13800138000')).toThrow(
      expect.objectContaining({ code: 'FailedOperation.ProviderUnavailable' }),
    )
    k2.close()
  })
})
