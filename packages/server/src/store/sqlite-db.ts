import { chmodSync } from 'node:fs'
import Database from 'better-sqlite3'
import { KeywardError } from '@keyward/core'
import type { SqlDb, SqlRow, SqlTx, SqlValue } from './sql-db.js'

/**
 * {@link SqlDb} over an embedded SQLite file (better-sqlite3, WAL). Calls are synchronous underneath; the
 * async surface matches the PostgreSQL adapter. Transactions are serialised with a promise queue because an
 * async callback cannot run inside better-sqlite3's synchronous transaction wrapper. `readOnly` opens an existing
 * file without any write (SQLite's read-only mode: no journal change, no chmod, no table created).
 *
 * @example
 * ```ts
 * const db = openSqliteDb('/var/lib/keyward/server.db')
 * ```
 */
export function openSqliteDb(file: string, options: { readOnly?: boolean } = {}): SqlDb {
  let sqlite: Database.Database
  try {
    if (options.readOnly) {
      sqlite = new Database(file, { readonly: true, fileMustExist: true })
    } else {
      sqlite = new Database(file)
      // Sealed SecretKeys and the audit log: owner-only, like the provider's key store (WAL files inherit it).
      if (file !== ':memory:' && file !== '') chmodSync(file, 0o600)
      sqlite.pragma('journal_mode = WAL')
      sqlite.pragma('synchronous = NORMAL')
    }
    sqlite.pragma('busy_timeout = 5000')
  } catch (e) {
    throw new KeywardError('FailedOperation.StoreError', `Cannot open the SQLite database ${file}.`, { cause: e })
  }
  const cache = new Map<string, Database.Statement>()
  const prepare = (sql: string): Database.Statement => {
    let st = cache.get(sql)
    if (!st) {
      st = sqlite.prepare(sql)
      cache.set(sql, st)
    }
    return st
  }
  const direct: SqlTx = {
    async run(sql, params = []) {
      return prepare(sql).run(...(params as SqlValue[])).changes
    },
    async all(sql, params = []) {
      const st = prepare(sql)
      return st.reader ? (st.all(...(params as SqlValue[])) as SqlRow[]) : (st.run(...(params as SqlValue[])), [])
    },
  }
  // Prepared once: exec() would parse these on every transaction.
  const begin = sqlite.prepare('BEGIN IMMEDIATE')
  const commit = sqlite.prepare('COMMIT')
  const rollback = sqlite.prepare('ROLLBACK')
  let queue: Promise<unknown> = Promise.resolve()
  let inTransaction = false
  return {
    dialect: 'sqlite',
    // One connection: a write issued while a transaction awaits would land inside it (and vanish with a
    // rollback), so writes outside transactions wait their turn behind it.
    run(sql, params = []) {
      if (!inTransaction) return direct.run(sql, params)
      const next = queue.then(() => direct.run(sql, params))
      queue = next.catch(() => undefined)
      return next
    },
    all: direct.all,
    transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
      const next = queue.then(async () => {
        begin.run()
        inTransaction = true
        try {
          const result = await fn(direct)
          commit.run()
          return result
        } catch (e) {
          rollback.run()
          throw e
        } finally {
          inTransaction = false
        }
      })
      queue = next.catch(() => undefined)
      return next
    },
    async close() {
      await queue
      sqlite.close()
    },
  }
}
