import { pino, type Logger } from 'pino'
import { needs, systemClock, type Clock, type KeyProvider } from '@keyward/core'
import { checkFaults, type FaultOptions } from './faults.js'
import { buildHttpApp } from './http-app.js'
import { KmsService } from './kms-service.js'
import { ServerMetrics } from './metrics.js'
import type { AccountPolicy } from './policy.js'
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './rate-limiter.js'
import type { Account, NewAccount } from './store/accounts.js'
import { SecretBox } from './store/secret-box.js'
import { ServerStore, openDb, type StoreConfig } from './store/server-store.js'

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where keys live: any KeyProvider (software, PKCS#11, Tencent KMS). */
  provider: KeyProvider
  /** Server state (accounts, ownership, grants, data keys, audit): `{ sqlite: file }` or `{ postgres: url }`. */
  store: StoreConfig
  /** 32 bytes that seal account SecretKeys in the store. Instances sharing a store need the same root key. */
  rootKey: Uint8Array
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (an ephemeral port; read `url`). */
  port?: number
  clock?: Clock
  /** What GetRegions returns. Default ['ap-guangzhou']. */
  regions?: readonly string[]
  rateLimits?: RateLimits
  /** Off unless given. */
  faults?: FaultOptions
  /** Largest request body, bytes. Default 256 KiB. */
  bodyLimit?: number
  /** pino logger; default silent. Logs never carry payloads, keys or secrets. */
  logger?: Logger
  /** First account when the store has none, or an extra one for automation (default: KEYWARD_BOOTSTRAP_* env). */
  bootstrap?: { secretId: string; secretKey: string }
  /**
   * Trust X-Forwarded-For from these proxies (fastify's `trustProxy`: true, or addresses/CIDRs), so
   * that the audit log records the client's address behind a load balancer. Default false.
   */
  trustProxy?: boolean | string | string[]
  /** Close the provider in `close()`. Default false (the caller owns it). */
  ownsProvider?: boolean
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`. */
  url: string
  host: string
  port: number
  store: ServerStore
  /** The account created at this start (store was empty, or bootstrap credentials were new); show it once. */
  initialAccount: NewAccount | undefined
  /** Creates an account (the admin path the CLI uses). */
  createAccount(opts: { name: string; isAdmin?: boolean; policy?: AccountPolicy }): Promise<NewAccount>
  setPolicy(accountName: string, policy: AccountPolicy): Promise<void>
  accounts(): Promise<Account[]>
  close(): Promise<void>
}

async function bootstrap(store: ServerStore, creds: ServerOptions['bootstrap']): Promise<NewAccount | undefined> {
  try {
    if (creds) {
      if (await store.accounts.bySecretId(creds.secretId)) return undefined
      const name = (await store.accounts.count()) === 0 ? 'admin' : `bootstrap-${creds.secretId.slice(-8)}`
      return await store.accounts.create({ name, isAdmin: true, ...creds })
    }
    if ((await store.accounts.count()) > 0) return undefined
    return await store.accounts.create({ name: 'admin', isAdmin: true })
  } catch (e) {
    // Another instance sharing the store won the race to create it: nothing to show here.
    if ((await store.accounts.count()) > 0) return undefined
    throw e
  }
}

function envBootstrap(): ServerOptions['bootstrap'] {
  const secretId = process.env['KEYWARD_BOOTSTRAP_SECRET_ID']
  const secretKey = process.env['KEYWARD_BOOTSTRAP_SECRET_KEY']
  return secretId && secretKey ? { secretId, secretKey } : undefined
}

/**
 * Starts a Tencent-KMS-API-compatible server over `provider`: any Tencent Cloud SDK pointed at `url` works
 * unchanged (TC3-HMAC-SHA256, `POST /`, the same Actions and JSON).
 *
 * @example
 * ```ts
 * const server = await startServer({ provider, store: { sqlite: '/tmp/kms.db' }, rootKey })
 * const client = new kms.v20190118.Client({
 *   credential: { secretId, secretKey }, region: 'ap-guangzhou',
 *   profile: { httpProfile: { endpoint: server.url.slice('http://'.length), protocol: 'http://' } },
 * })
 * await client.Encrypt({ KeyId, Plaintext: Buffer.from('hi').toString('base64') })
 * await server.close()
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  /* Precondition: a provider, a store and a 32-byte root key; sane limits. */
  needs(options.provider && typeof options.provider.encrypt === 'function', 'InvalidParameter', 'startServer needs a KeyProvider.')
  needs(options.store && typeof options.store === 'object', 'InvalidParameter', 'startServer needs a store config.')
  if (options.faults) checkFaults(options.faults)
  const bodyLimit = options.bodyLimit ?? 256 * 1024
  needs(Number.isInteger(bodyLimit) && bodyLimit >= 1024 && bodyLimit <= 16 * 1024 * 1024, 'InvalidParameterValue', 'bodyLimit must be 1 KiB-16 MiB.')
  const box = new SecretBox(options.rootKey)
  const clock = options.clock ?? systemClock
  const db = await openDb(options.store)
  const store = new ServerStore(db, box, clock)
  const logger = options.logger ?? pino({ level: 'silent' })
  try {
    const initialAccount = await bootstrap(store, options.bootstrap ?? envBootstrap())
    const metrics = new ServerMetrics()
    const services = { provider: options.provider, store, clock, regions: options.regions ?? ['ap-guangzhou'] }
    const service = new KmsService(services, new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS), metrics, logger, options.faults)
    const app = buildHttpApp({ service, metrics, db, logger, bodyLimit, trustProxy: options.trustProxy ?? false })
    const host = options.host ?? '127.0.0.1'
    await app.listen({ host, port: options.port ?? 0 })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 0)
    const urlHost = host.includes(':') ? `[${host}]` : host
    let closed = false
    return {
      url: `http://${urlHost}:${port}`,
      host,
      port,
      store,
      initialAccount,
      createAccount: (opts) => store.accounts.create(opts),
      async setPolicy(accountName, policy) {
        const a = await store.accounts.byName(accountName)
        needs(a, 'InvalidParameterValue', `No account named ${accountName}.`)
        await store.accounts.setPolicy(a.accountId, policy)
      },
      accounts: () => store.accounts.list(),
      async close() {
        if (closed) return
        closed = true
        await app.close()
        await store.close()
        box.dispose()
        if (options.ownsProvider) await options.provider.close()
      },
    }
  } catch (e) {
    await store.close().catch(() => undefined)
    box.dispose()
    throw e
  }
}
