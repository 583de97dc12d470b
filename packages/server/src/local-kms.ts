import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { needs, systemClock, zeroize, type Clock, type KeyProvider, type KeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore, loadRootKey } from '@keyward/provider-software'
import { ActionDispatcher, InProcessKms } from './action-dispatcher.js'
import { sweepDeletedKeys } from './deletion-sweeper.js'
import { envBootstrap } from './bootstrap-account.js'
import { defaultStoreConfig, keywardHome } from './open-server-store.js'
import type { Params } from './protocol/params.js'
import type { ServerServices } from './request-context.js'
import type { Account, NewAccount } from './store/accounts.js'
import { serverCompliance, type ServerComplianceOptions } from './server-compliance.js'
import { auditMacKey } from './store/audit-hash.js'
import { SecretBox } from './store/secret-box.js'
import { PostgresKeyStore } from './store/sql-key-store.js'
import { ServerStore, openDb } from './store/server-store.js'

/** Options of {@link openLocalKms}. */
export interface LocalKmsOptions extends ServerComplianceOptions {
  /** Data directory shared with `keyward serve`; default $KEYWARD_HOME or ~/.keyward. */
  home?: string
  /** Default: the software provider over `<home>/keys.db`, exactly as {@link runServe} builds it. */
  provider?: KeyProvider
  /** Close `provider` in `close()` (always true for the default provider). */
  ownsProvider?: boolean
  clock?: Clock
  /** What GetRegions returns. Default ['ap-guangzhou'] (as the server). */
  regions?: readonly string[]
  /** Recorded as the audit entry's source. Default `local`. */
  source?: string
  /** Sees errors that are not KeywardErrors (answered as InternalError, as the server does). */
  onUnexpectedError?: (error: unknown, requestId: string) => void
}

/** The server's Actions in-process, as one account of a data directory, audited like HTTP requests. */
export interface LocalKms {
  /** The account every call runs as: the data directory's first (dev/admin) account. */
  readonly account: Account
  /**
   * Set when this open created that account (empty store) with a generated SecretKey: its credentials, to show
   * once. Undefined when the credentials came from KEYWARD_BOOTSTRAP_SECRET_ID/KEY (never printed).
   */
  readonly initialAccount: NewAccount | undefined
  /** Runs `action` with `params`; answers exactly what the server would (`Error` inside on failure); never throws. */
  call(action: string, params: Params): Promise<{ Response: Record<string, unknown> }>
  close(): Promise<void>
}

async function firstAccount(
  store: ServerStore,
  source: string,
): Promise<{ account: Account; created: NewAccount | undefined }> {
  let created: NewAccount | undefined
  if ((await store.accounts.count()) === 0) {
    try {
      created = await store.createAccount({ name: 'admin', isAdmin: true, ...envBootstrap() }, source)
    } catch (e) {
      // `keyward serve` (or another CLI) created it first: use theirs.
      if ((await store.accounts.count()) === 0) throw e
    }
  }
  const [account] = await store.accounts.list()
  needs(account, 'InternalError', 'The server store has no account.')
  return { account, created: created?.secretKeySource === 'generated' ? created : undefined }
}

/**
 * Opens the stores of a `keyward serve` data directory (server.db, keys.db, root.key — or PostgreSQL when
 * KEYWARD_POSTGRES_URL is set) and runs Actions through the server's own handlers as the first account: the same
 * keys, the same ownership and policy checks, the same audit chain and byte-for-byte the same Response, minus
 * TC3 authentication and rate limits (the caller already holds the data directory and its root key).
 *
 * @example
 * ```ts
 * const kms = await openLocalKms({ home: '/var/lib/keyward' })
 * try {
 *   const { Response } = await kms.call('CreateKey', { Alias: 'orders' })
 * } finally { await kms.close() }
 * ```
 */
export async function openLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const home = options.home ?? keywardHome()
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const storeConfig = defaultStoreConfig(home)
  const clock = options.clock ?? systemClock
  const rootBytes = loadRootKey({ keyFile: join(home, 'root.key'), createIfMissing: true })
  const box = new SecretBox(rootBytes)
  let keyStore: KeyStore | undefined
  let provider = options.provider
  const ownsProvider = options.provider === undefined || options.ownsProvider === true
  let store: ServerStore | undefined
  try {
    if (!provider) {
      keyStore =
        'postgres' in storeConfig
          ? await PostgresKeyStore.open(storeConfig.postgres)
          : SqliteKeyStore.open(join(home, 'keys.db'))
      provider = new SoftwareKeyProvider({ store: keyStore, rootKey: RootKey.fromBytes(rootBytes) })
    }
    const compliance = serverCompliance(provider, options)
    store = new ServerStore(await openDb(storeConfig), box, clock, auditMacKey(rootBytes), compliance.auditHash)
    const { account, created } = await firstAccount(store, options.source ?? 'local')
    const services: ServerServices = {
      provider: compliance.provider,
      compliance: compliance.profile,
      store,
      clock,
      regions: options.regions ?? ['ap-guangzhou'],
    }
    // A CLI process is short-lived: one round at open does what the server's periodic sweep does.
    await sweepDeletedKeys(services)
    const dispatcher = new ActionDispatcher(services, (e, requestId) => options.onUnexpectedError?.(e, requestId))
    const opened = store
    const release = async (): Promise<void> => {
      try {
        await opened.close()
      } finally {
        if (ownsProvider) await compliance.provider.close()
        box.dispose()
      }
    }
    // The same dispatcher as `keyward serve`: parameter checks, handler, key retirement and audit entry.
    return new InProcessKms(dispatcher, account, created, options.source ?? 'local', release)
  } catch (e) {
    await store?.close().catch(() => undefined)
    if (provider && ownsProvider) await provider.close().catch(() => undefined)
    else await keyStore?.close().catch(() => undefined)
    box.dispose()
    throw e
  } finally {
    zeroize(rootBytes)
  }
}

export { recordLegacyDecryptInRequest, type ServerComplianceOptions } from './server-compliance.js'
