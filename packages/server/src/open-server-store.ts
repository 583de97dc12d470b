import { homedir } from 'node:os'
import { join } from 'node:path'
import { openDb, type StoreConfig } from './store/server-store.js'
import type { SqlDb } from './store/sql-db.js'

/** The data directory of `keyward serve`: $KEYWARD_HOME, else ~/.keyward. */
export function keywardHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['KEYWARD_HOME'] || join(homedir(), '.keyward')
}

/** The server store of a data directory (or PostgreSQL when KEYWARD_POSTGRES_URL is set). */
export function defaultStoreConfig(home: string, env: Readonly<Record<string, string | undefined>> = process.env): StoreConfig {
  const pgUrl = env['KEYWARD_POSTGRES_URL']
  return pgUrl ? { postgres: pgUrl } : { sqlite: join(home, 'server.db') }
}

/**
 * Opens a server store without starting a server, for offline tools such as `keyward audit verify`. The root
 * key is not needed: the audit chain holds no secrets.
 *
 * @example
 * ```ts
 * const store = await openServerStore({ sqlite: join(keywardHome(), 'server.db') })
 * try { console.log(await verifyAuditChain(store)) } finally { await store.close() }
 * ```
 */
export async function openServerStore(config: StoreConfig): Promise<{ db: SqlDb; close(): Promise<void> }> {
  const db = await openDb(config)
  return { db, close: () => db.close() }
}
