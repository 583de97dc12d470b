import pg from 'pg'
import { KeywardError } from '@keyward/core'
import type { SqlDb, SqlRow, SqlTx, SqlValue } from './sql-db.js'

/** How to reach PostgreSQL: a connection string (`postgres://user@127.0.0.1:5432/keyward`) or pg pool config. */
export type PostgresConfig = string | pg.PoolConfig

function numbered(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

// BIGINT (int8) columns arrive as strings by default; our integers are Unix times and counters well inside 2^53.
const INT8_OID = 20

function rows(result: pg.QueryResult): SqlRow[] {
  return result.rows as SqlRow[]
}

function storeError(e: unknown): KeywardError {
  return e instanceof KeywardError
    ? e
    : new KeywardError('FailedOperation.StoreError', 'The PostgreSQL store failed.', { cause: e })
}

/**
 * {@link SqlDb} over a PostgreSQL pool, so that several stateless server instances share accounts, keys,
 * data keys and the audit chain. `readOnly` makes every session read-only (`keyward audit verify`).
 *
 * @example
 * ```ts
 * const db = openPostgresDb('postgres://keyward@127.0.0.1:5432/keyward')
 * ```
 */
export function openPostgresDb(config: PostgresConfig, options: { readOnly?: boolean } = {}): SqlDb {
  const base: pg.PoolConfig = typeof config === 'string' ? { connectionString: config } : config
  const pool = new pg.Pool({
    max: 10,
    ...base,
    // Read-only sessions: the server refuses any write, whatever a bug in the caller might attempt.
    ...(options.readOnly ? { options: `${base.options ?? ''} -c default_transaction_read_only=on`.trim() } : {}),
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    },
  })
  // An idle client that loses its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined)
  const on = (client: pg.Pool | pg.PoolClient): SqlTx => ({
    async run(sql, params = []) {
      try {
        return (await client.query(numbered(sql), params as SqlValue[])).rowCount ?? 0
      } catch (e) {
        throw storeError(e)
      }
    },
    async all(sql, params = []) {
      try {
        return rows(await client.query(numbered(sql), params as SqlValue[]))
      } catch (e) {
        throw storeError(e)
      }
    },
  })
  const direct = on(pool)
  return {
    dialect: 'postgres',
    run: direct.run,
    all: direct.all,
    async transaction<T>(fn: (tx: SqlTx) => Promise<T>, lockKey?: number): Promise<T> {
      const client = await pool.connect().catch((e: unknown) => {
        throw storeError(e)
      })
      try {
        await client.query('BEGIN')
        if (lockKey !== undefined) await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey])
        const result = await fn(on(client))
        await client.query('COMMIT')
        return result
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw e
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
}
