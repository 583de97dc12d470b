import { expect, vi } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { EnvelopeClient } from '@keyward/flows/envelope'
import type { IndexHash } from '@keyward/flows/searchable'
import type { SqlDb } from '@keyward/server'
import type { Customer } from '../../../../examples/searchable/customer-data.js'
import { CustomerStore } from '../../../../examples/searchable/customer-store.js'
import {
  buildTable,
  formatFigures,
  measureLookups,
  type LookupFigures,
} from '../../../../examples/searchable/measure.js'
import { softwareWithCmk } from './helpers.js'

/**
 * Rows of the example table in the default test run: building the full 100 000 takes longer than the default run
 * should spend on it (≈ 13 s of envelope encryption alone on this machine), so the default is a smaller table;
 * KEYWARD_SEARCHABLE_ROWS=100000 runs the example's full size. The figures are checked the same way at any size.
 */
export function exampleRows(fallback: number): number {
  const v = Number(process.env.KEYWARD_SEARCHABLE_ROWS ?? fallback)
  if (!Number.isInteger(v) || v < 1000) throw new Error('KEYWARD_SEARCHABLE_ROWS must be an integer ≥ 1000')
  return v
}

/**
 * Runs the example's lookups and checks what the example promises: every customer found exactly once by phone and
 * by 身份证 number, absent values find nobody, only the rows the index returned were decrypted, and the false
 * positives are within five standard deviations of the planner's prediction.
 */
export async function checkLookups(
  store: CustomerStore,
  customers: readonly Customer[],
  lookups: number,
): Promise<LookupFigures> {
  const decrypts = vi.spyOn(EnvelopeClient.prototype, 'decryptJsonFields')
  try {
    const f = await measureLookups(store, customers, lookups)
    console.log(formatFigures(f))
    expect(f.wrong).toBe(0)
    expect(decrypts.mock.calls.length).toBe(f.decryptedRows)
    // Far from a table scan: about one row plus the expected false positives per lookup.
    expect(f.decryptedRows / lookups).toBeLessThan(2 + 2 * (f.rows * 2 ** -f.bits))
    expect(
      Math.abs(f.falsePositives.z),
      `observed ${f.falsePositives.observed}, predicted ${f.falsePositives.predicted} ± ${f.falsePositives.sigma}`,
    ).toBeLessThan(5)
    // Invalid input is refused before any query or decryption.
    const before = decrypts.mock.calls.length
    for (const bad of ['1380013800', '+1 415 555 2671']) {
      await expect(store.findByPhone(bad)).rejects.toSatisfy((e: unknown) =>
        isKeywardError(e, 'InvalidParameterValue.InvalidIndexValue'),
      )
    }
    await expect(store.findByIdNumber('110105194912310021')).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidIndexValue',
    })
    expect(decrypts.mock.calls.length).toBe(before)
    return f
  } finally {
    decrypts.mockRestore()
  }
}

/** The example's table, built: the store over `db`, its customers, and how to put everything away. */
export interface ExampleTable {
  db: SqlDb
  store: CustomerStore
  customers: Customer[]
  /** A second store over the same database (another process of the application). */
  reopen(): Promise<CustomerStore>
  close(): Promise<void>
}

/** Builds the example table of `rows` customers in `db` under a fresh software CMK. */
export async function openExample(
  db: SqlDb,
  rows: number,
  options: { hash?: IndexHash; seed?: number } = {},
): Promise<ExampleTable> {
  const { provider, cmkId } = await softwareWithCmk('customers')
  const open = (): Promise<CustomerStore> =>
    CustomerStore.open({ db, provider, cmkId, plannedRows: rows, ...(options.hash ? { hash: options.hash } : {}) })
  const store = await open()
  const { customers } = await buildTable(store, rows, options.seed)
  return {
    db,
    store,
    customers,
    reopen: open,
    async close() {
      store.close()
      await db.close()
      await provider.close()
    },
  }
}
