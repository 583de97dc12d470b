/**
 * The searchable-encryption example: 100 000 encrypted customers in SQLite, found by phone and 身份证 number
 * through blind indexes, decrypting only the rows the index returns.
 *
 *   npx tsx examples/searchable/main.ts [--rows 100000] [--db customers.db] [--sm3]
 *
 * Keys: a software provider with its keys in memory (a CMK for the data keys and the index key). In an application
 * the provider is whatever `createKeyward()` configures — Tencent KMS, an HSM, `keyward serve`.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { MemoryKeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { openSqliteDb } from '@keyward/server'
import { CustomerStore } from './customer-store.js'
import { buildTable, formatFigures, measureLookups } from './measure.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    db: { type: 'string', default: ':memory:' },
    sm3: { type: 'boolean', default: false },
    lookups: { type: 'string', default: '2000' },
  },
})
const rows = Number(values.rows)
const provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
const db = openSqliteDb(values.db as string)
try {
  const cmk = await provider.createKey({ alias: 'customers' })
  const store = await CustomerStore.open({
    db,
    provider,
    cmkId: cmk.keyId,
    plannedRows: rows,
    ...(values.sm3 ? { hash: 'SM3' as const } : {}),
  })
  const { customers, seconds } = await buildTable(store, rows)
  console.log(
    `built ${rows} encrypted rows in ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(0)} rows/s: encrypt 5 fields + 2 blind indexes + INSERT)`,
  )
  console.log(formatFigures(await measureLookups(store, customers, Number(values.lookups))))
  const [someone] = customers
  const found = await store.findByPhone(`+86 ${someone?.phone}`)
  console.log(
    `findByPhone('+86 ${someone?.phone}') → ${found.customers.map((c) => `${c.name} ${c.id_number}`).join(', ')} (${found.candidates} rows decrypted)`,
  )
  store.close()
} finally {
  await db.close()
  await provider.close()
}
