import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresDb } from '@keyward/server'
import { startPgCluster, type PgCluster } from '../../../server/test/postgres-cluster.js'
import { checkLookups, exampleRows, openExample, type ExampleTable } from './example-support.js'

// The same example on PostgreSQL (a throwaway cluster), with HMAC-SM3 indexes as under the `gm` profile.
const ROWS = exampleRows(10_000)
let cluster: PgCluster
let ex: ExampleTable

beforeAll(async () => {
  cluster = await startPgCluster()
  ex = await openExample(openPostgresDb(cluster.url), ROWS, { hash: 'SM3', seed: 16 })
}, 300_000)
afterAll(async () => {
  await ex?.close()
  cluster?.stop()
})

describe(`the example on PostgreSQL: ${ROWS} encrypted customers, HMAC-SM3 indexes`, () => {
  it("lookups use the index columns' B-tree indexes (an index scan, not a table scan)", async () => {
    await ex.db.run('ANALYZE customers')
    const plan = (
      await ex.db.all('EXPLAIN SELECT id, doc FROM customers WHERE phone_bidx = ?', [
        ex.store.phone.index(ex.customers[0]!.phone),
      ])
    )
      .map((r) => String(r['QUERY PLAN']))
      .join('\n')
    expect(plan).toMatch(/Index Scan|Bitmap Index Scan/)
    expect(ex.store.phone.hash).toBe('SM3')
  })

  it('lookups by phone and by 身份证 find exactly the right customer, decrypt only the rows returned, false positives as predicted', async () => {
    await checkLookups(ex.store, ex.customers, 400)
  })
})
