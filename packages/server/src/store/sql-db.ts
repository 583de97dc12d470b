/**
 * The few SQL operations the server's stores need, over SQLite (embedded, default) or PostgreSQL (several
 * server instances behind a load balancer). Statements are written once with `?` placeholders in the subset of
 * SQL both engines accept; the PostgreSQL adapter renumbers them to `$n`.
 */

/** A value a statement binds or a row holds. Bytes travel as base64 text so one schema fits both engines. */
export type SqlValue = string | number | null

/** A row as returned by {@link SqlDb.all}. Integers come back as numbers on both engines. */
export type SqlRow = Record<string, SqlValue>

/** Statements run inside {@link SqlDb.transaction}. */
export interface SqlTx {
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>
}

/**
 * A database connection (pool). `run` returns the number of rows changed.
 *
 * @example
 * ```ts
 * const db = openSqliteDb(':memory:')
 * await db.run('INSERT INTO t (a) VALUES (?)', ['x'])
 * ```
 */
export interface SqlDb extends SqlTx {
  readonly dialect: 'sqlite' | 'postgres'
  /**
   * Runs `fn` in one transaction. `lockKey` serialises writers across server instances that share the
   * database (PostgreSQL advisory lock); SQLite serialises all writers anyway.
   */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, lockKey?: number): Promise<T>
  close(): Promise<void>
}

/** First row or undefined. */
export async function one(db: SqlTx, sql: string, params: readonly SqlValue[] = []): Promise<SqlRow | undefined> {
  const rows = await db.all(sql, params)
  return rows[0]
}

/** Reads a text column. */
export function text(row: SqlRow, column: string): string {
  const v = row[column]
  return v === null || v === undefined ? '' : String(v)
}

/** Reads an integer column (PostgreSQL BIGINT arrives as a string). */
export function int(row: SqlRow, column: string): number {
  const v = row[column]
  return v === null || v === undefined ? 0 : Number(v)
}
