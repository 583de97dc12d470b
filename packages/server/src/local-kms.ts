import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { KeywardError, isKeywardError, needs, systemClock, zeroize, type Clock, type KeyProvider, type KeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore, loadRootKey } from '@keyward/provider-software'
import { ACTIONS } from './actions/index.js'
import { defaultStoreConfig, keywardHome } from './open-server-store.js'
import type { Params } from './protocol/params.js'
import { RequestContext, type ServerServices } from './request-context.js'
import type { Account, NewAccount } from './store/accounts.js'
import { SecretBox } from './store/secret-box.js'
import { PostgresKeyStore } from './store/sql-key-store.js'
import { ServerStore, openDb } from './store/server-store.js'

/** Options of {@link openLocalKms}. */
export interface LocalKmsOptions {
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
  /** Set when this open created that account (empty store): its credentials, to show once. */
  readonly initialAccount: NewAccount | undefined
  /** Runs `action` with `params`; answers exactly what the server would (`Error` inside on failure); never throws. */
  call(action: string, params: Params): Promise<{ Response: Record<string, unknown> }>
  close(): Promise<void>
}

const ACTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/

async function firstAccount(store: ServerStore): Promise<{ account: Account; created: NewAccount | undefined }> {
  let created: NewAccount | undefined
  if ((await store.accounts.count()) === 0) {
    const id = process.env['KEYWARD_BOOTSTRAP_SECRET_ID']
    const key = process.env['KEYWARD_BOOTSTRAP_SECRET_KEY']
    try {
      created = await store.accounts.create({ name: 'admin', isAdmin: true, ...(id && key ? { secretId: id, secretKey: key } : {}) })
    } catch (e) {
      // `keyward serve` (or another CLI) created it first: use theirs.
      if ((await store.accounts.count()) === 0) throw e
    }
  }
  const [account] = await store.accounts.list()
  needs(account, 'InternalError', 'The server store has no account.')
  return { account, created }
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
      keyStore = 'postgres' in storeConfig ? await PostgresKeyStore.open(storeConfig.postgres) : SqliteKeyStore.open(join(home, 'keys.db'))
      provider = new SoftwareKeyProvider({ store: keyStore, rootKey: RootKey.fromBytes(rootBytes) })
    }
    store = new ServerStore(await openDb(storeConfig), box, clock)
    const { account, created } = await firstAccount(store)
    const services: ServerServices = { provider, store, clock, regions: options.regions ?? ['ap-guangzhou'] }
    return new InProcessKms(services, account, created, box, ownsProvider, options)
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

class InProcessKms implements LocalKms {
  #closed = false

  constructor(
    private readonly services: ServerServices,
    readonly account: Account,
    readonly initialAccount: NewAccount | undefined,
    private readonly box: SecretBox,
    private readonly ownsProvider: boolean,
    private readonly options: LocalKmsOptions,
  ) {}

  async call(action: string, params: Params): Promise<{ Response: Record<string, unknown> }> {
    const requestId = randomUUID()
    let ctx: RequestContext | undefined
    let response: Record<string, unknown>
    let code = 'Success'
    const known = typeof action === 'string' && Object.prototype.hasOwnProperty.call(ACTIONS, action)
    try {
      needs(!this.#closed, 'FailedOperation.ProviderUnavailable', 'This LocalKms is closed.')
      needs(typeof action === 'string' && ACTION_NAME.test(action), 'InvalidAction', 'Not a valid Action name.')
      const handler = known ? ACTIONS[action] : undefined
      if (!handler) throw new KeywardError('InvalidAction', `The Action ${action} does not exist.`)
      needs(params !== null && typeof params === 'object' && !Array.isArray(params), 'InvalidParameter', 'The request must be a JSON object.')
      ctx = new RequestContext(this.services, this.account, action, requestId)
      response = { ...(await handler(ctx, params)), RequestId: requestId }
    } catch (e) {
      const err = this.#errorOf(e, requestId)
      code = err.code
      response = { Error: { Code: err.code, Message: err.message }, RequestId: requestId }
    }
    if (this.#closed) return { Response: response }
    try {
      await this.services.store.audit.append({
        time: Date.now(), accountId: this.account.accountId, action: known ? action : 'Unknown', keyId: ctx?.keyId ?? '',
        result: code, requestId, sourceIp: this.options.source ?? 'local',
      })
    } catch (e) {
      // As the server: a request whose audit entry cannot be written does not report success.
      const err = this.#errorOf(e, requestId)
      response = { Error: { Code: 'InternalError', Message: err.message }, RequestId: requestId }
    }
    return { Response: response }
  }

  #errorOf(e: unknown, requestId: string): { code: string; message: string } {
    if (isKeywardError(e)) return { code: e.code, message: e.message }
    this.options.onUnexpectedError?.(e, requestId)
    return { code: 'InternalError', message: 'An internal error occurred; it was logged with this RequestId.' }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.services.store.close()
    } finally {
      if (this.ownsProvider) await this.services.provider.close()
      this.box.dispose()
    }
  }
}
