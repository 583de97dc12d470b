import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteDb } from '@keyward/server'
import type { Customer } from '../../../../examples/searchable/customer-data.js'
import { checkLookups, exampleRows, openExample, type ExampleTable } from './example-support.js'

// The example (examples/searchable) on SQLite, as `npx tsx examples/searchable/main.ts` runs it.
const ROWS = exampleRows(20_000)
let ex: ExampleTable

beforeAll(async () => {
  ex = await openExample(openSqliteDb(':memory:'), ROWS)
}, 300_000)
afterAll(async () => {
  await ex?.close()
})

describe(`the example on SQLite: ${ROWS} encrypted customers`, () => {
  it('stores no personal data in clear: the documents hold ciphertexts, the index columns short hex', async () => {
    const rows = await ex.db.all('SELECT doc, phone_bidx, id_number_bidx FROM customers ORDER BY id LIMIT 50')
    for (const [i, r] of rows.entries()) {
      const c = ex.customers[i] as Customer
      const doc = String(r.doc)
      for (const v of [c.phone, c.phone.slice(3), c.id_number, c.bank_card, c.email, c.name])
        expect(doc).not.toContain(v)
      expect(String(r.phone_bidx)).toMatch(new RegExp(`^[0-9a-f]{${Math.ceil(ex.store.phone.bits / 4)}}$`))
      expect(String(r.id_number_bidx)).toBe(ex.store.idNumber.index(c.id_number))
    }
    expect(await ex.store.count()).toBe(ROWS)
  })

  it('lookups by phone and by 身份证 find exactly the right customer, decrypt only the rows returned, false positives as predicted', async () => {
    await checkLookups(ex.store, ex.customers, 1000)
  })

  it('a second process (a new store over the same database) reuses the stored index key and finds the same rows', async () => {
    const again = await ex.reopen()
    const c = ex.customers[123] as Customer
    expect((await again.findByIdNumber(c.id_number)).customers.map((x) => x.phone)).toEqual([c.phone])
    expect((await ex.db.all('SELECT COUNT(*) AS n FROM index_keys'))[0]?.n).toBe(1)
    again.close()
  })
})
