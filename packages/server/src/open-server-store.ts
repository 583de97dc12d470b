import { homedir } from 'node:os'
import { join } from 'node:path'
import { loadRootKey } from '@keyward/provider-software'
import { openDb, type OpenDbOptions, type StoreConfig } from './store/server-store.js'
import type { SqlDb } from './store/sql-db.js'

/** The data directory of `keyward serve`: $KEYWARD_HOME, else ~/.keyward. */
export function keywardHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['KEYWARD_HOME'] || join(homedir(), '.keyward')
}

/** The server store of a data directory (or PostgreSQL when KEYWARD_POSTGRES_URL is set). */
export function defaultStoreConfig(
  home: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StoreConfig {
  const pgUrl = env['KEYWARD_POSTGRES_URL']
  return pgUrl ? { postgres: pgUrl } : { sqlite: join(home, 'server.db') }
}

/**
 * Opens a server store without starting a server, for offline tools such as `keyward audit verify` (which passes
 * `readOnly`: checking evidence must neither migrate nor write it).
 *
 * @example
 * ```ts
 * const store = await openServerStore({ sqlite: join(keywardHome(), 'server.db') }, { readOnly: true })
 * try { console.log(await verifyAuditChain(store, { macKey })) } finally { await store.close() }
 * ```
 */
export async function openServerStore(
  config: StoreConfig,
  options: OpenDbOptions = {},
): Promise<{ db: SqlDb; close(): Promise<void> }> {
  const db = await openDb(config, options)
  return { db, close: () => db.close() }
}

/**
 * The root key of a data directory as `keyward serve` finds it: KEYWARD_ROOT_KEY, else `<home>/root.key`, never
 * created here (offline tools must not make a new one). The caller zeroes the returned bytes.
 *
 * @example
 * ```ts
 * const root = homeRootKey(keywardHome())
 * try { macKey = auditMacKey(root) } finally { root.fill(0) }
 * ```
 */
export function homeRootKey(home: string): Buffer {
  return loadRootKey({ keyFile: join(home, 'root.key'), createIfMissing: false })
}
