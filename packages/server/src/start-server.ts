import { pino, type Logger } from 'pino'
import { KeywardError, needs, systemClock, type Clock, type ComplianceProfile, type KeyProvider } from '@keyward/core'
import { ClusterMembership } from './cluster/cluster-membership.js'
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './cluster/rate-limiter.js'
import { MemoryReplayCache, SqlReplayCache } from './cluster/replay-cache.js'
import { DEFAULT_DELETION_SWEEP_MS, startDeletionSweeper, sweepDeletedKeys } from './deletion-sweeper.js'
import { checkFaults, type FaultOptions } from './faults.js'
import { buildHttpApp } from './http-app.js'
import { ServerMetrics } from './metrics.js'
import type { AccountPolicy } from './policy.js'
import { bootstrapAccount, envBootstrap } from './bootstrap-account.js'
import type { Account, NewAccount } from './store/accounts.js'
import { serverCompliance, type ServerComplianceOptions } from './server-compliance.js'
import { auditMacKey, disposeAuditMacKeys, type AuditHash } from './store/audit-hash.js'
import { SecretBox } from './store/secret-box.js'
import { ServerStore, openDb, type StoreConfig } from './store/server-store.js'
import { isLoopbackHost, readTlsMaterial, type TlsOptions } from './tls-files.js'

/** Options of {@link startServer}. */
export interface ServerOptions extends ServerComplianceOptions {
  /** Where keys live: any KeyProvider (software, PKCS#11, Tencent KMS). */
  provider: KeyProvider
  /** Server state (accounts, ownership, grants, data keys, audit): `{ sqlite: file }` or `{ postgres: url }`. */
  store: StoreConfig
  /** 32 bytes that seal account SecretKeys and key the audit MAC. Instances sharing a store need the same root key. */
  rootKey: Uint8Array
  /** Default 127.0.0.1. Any other address needs `tls` (or `insecureHttp`). */
  host?: string
  /** Default 0 (an ephemeral port; read `url`). */
  port?: number
  /** HTTPS with these PEM files (mutual TLS with `clientCaFile`); `reloadTls()` re-reads them. */
  tls?: TlsOptions
  /**
   * Serve plain HTTP on a non-loopback address. Refused by default: requests carry plaintexts and data keys, and
   * TC3 signatures do not stop a replay (see the README's threat model).
   */
  insecureHttp?: boolean
  /**
   * Strict mode: SignedHeaders must include `x-tc-action`, and each signature is accepted once (replay cache,
   * shared through PostgreSQL when instances share one). Off by default: stock Tencent SDKs sign neither.
   */
  strictSigning?: boolean
  clock?: Clock
  /** What GetRegions returns. Default ['ap-guangzhou']. */
  regions?: readonly string[]
  /** Per account and Action, cluster-wide (instances sharing PostgreSQL split them). */
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
  /**
   * How often to retire keys whose deletion window ended (tombstone, grants, tags, policy references), ms.
   * Default 60 000; the first round runs at start.
   */
  deletionSweepMs?: number
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`, or `https://...` with TLS. */
  url: string
  host: string
  port: number
  store: ServerStore
  /**
   * The account created at this start (store was empty, or bootstrap credentials were new). Show its SecretKey
   * once when `secretKeySource` is `generated`; never print a `supplied` one.
   */
  initialAccount: NewAccount | undefined
  /** Creates an account (the admin path the CLI uses); audited as CreateAccount. */
  createAccount(opts: { name: string; isAdmin?: boolean; policy?: AccountPolicy }): Promise<NewAccount>
  setPolicy(accountName: string, policy: AccountPolicy): Promise<void>
  accounts(): Promise<Account[]>
  /** Re-reads the TLS files (certificate renewal, SIGHUP): new connections use them; a bad set keeps the old one. */
  reloadTls(): void
  /** Retires now the keys whose deletion window ended (what the periodic sweep does); returns their KeyIds. */
  sweepDeletedKeys(): Promise<string[]>
  /** The compliance profile every Action runs under. */
  compliance: ComplianceProfile
  /** The hash new audit entries are chained and MAC'd with (sm3 under gm). */
  auditHash: AuditHash
  close(): Promise<void>
}

/** Benchmark-only switches; never for production (an unkeyed audit chain can be forged by anyone with the database). */
export interface ServerInternals {
  unkeyedAudit?: boolean
}

/**
 * Starts a Tencent-KMS-API-compatible server over `provider`: any Tencent Cloud SDK pointed at `url` works
 * unchanged (TC3-HMAC-SHA256, `POST /`, the same Actions and JSON). The first account is created only once the
 * port is bound, so a start that fails (address in use) consumes nothing.
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
export async function startServer(options: ServerOptions, internals: ServerInternals = {}): Promise<RunningServer> {
  /* Precondition: a provider, a store and a 32-byte root key; sane limits; TLS unless on loopback. */
  needs(
    options.provider && typeof options.provider.encrypt === 'function',
    'InvalidParameter',
    'startServer needs a KeyProvider.',
  )
  needs(options.store && typeof options.store === 'object', 'InvalidParameter', 'startServer needs a store config.')
  if (options.faults) checkFaults(options.faults)
  const bodyLimit = options.bodyLimit ?? 256 * 1024
  const sweepMs = options.deletionSweepMs ?? DEFAULT_DELETION_SWEEP_MS
  needs(
    Number.isInteger(sweepMs) && sweepMs >= 100,
    'InvalidParameterValue',
    'deletionSweepMs must be an integer of at least 100.',
  )
  needs(
    Number.isInteger(bodyLimit) && bodyLimit >= 1024 && bodyLimit <= 16 * 1024 * 1024,
    'InvalidParameterValue',
    'bodyLimit must be 1 KiB-16 MiB.',
  )
  const host = options.host ?? '127.0.0.1'
  if (!options.tls && !options.insecureHttp && !isLoopbackHost(host)) {
    throw new KeywardError(
      'InvalidParameterValue',
      `Refusing plain HTTP on ${host}: give TLS files (--tls-cert/--tls-key) or, knowingly, --insecure-http. Only loopback may serve HTTP.`,
    )
  }
  const tlsMaterial = options.tls ? readTlsMaterial(options.tls) : undefined
  const box = new SecretBox(options.rootKey)
  const clock = options.clock ?? systemClock
  const db = await openDb(options.store)
  const compliance = serverCompliance(options.provider, options)
  const macKey = internals.unkeyedAudit ? undefined : auditMacKey(options.rootKey)
  const store = new ServerStore(db, box, clock, macKey, compliance.auditHash)
  const logger = options.logger ?? pino({ level: 'silent' })
  let membership: ClusterMembership | undefined
  try {
    membership = db.dialect === 'postgres' ? await ClusterMembership.join(db) : undefined
    const metrics = new ServerMetrics()
    const services = {
      provider: compliance.provider,
      compliance: compliance.profile,
      store,
      clock,
      regions: options.regions ?? ['ap-guangzhou'],
    }
    const live = membership
    const app = buildHttpApp({
      services,
      limiter: new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, undefined, () => live?.live ?? 1),
      faults: options.faults,
      strictSigning: options.strictSigning === true,
      replayCache: db.dialect === 'postgres' ? new SqlReplayCache(db) : new MemoryReplayCache(),
      metrics,
      db,
      logger,
      bodyLimit,
      trustProxy: options.trustProxy ?? false,
      ...(tlsMaterial ? { tls: tlsMaterial } : {}),
    })
    try {
      await app.listen({ host, port: options.port ?? 0 })
    } catch (e) {
      await app.close().catch(() => undefined)
      throw e
    } finally {
      tlsMaterial?.key.fill(0)
    }
    let initialAccount: NewAccount | undefined
    try {
      initialAccount = await bootstrapAccount(store, options.bootstrap ?? envBootstrap())
    } catch (e) {
      await app.close().catch(() => undefined)
      throw e
    }
    const sweeper = startDeletionSweeper(services, sweepMs, (e) =>
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'deletion sweep failed; retrying next round'),
    )
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 0)
    const urlHost = host.includes(':') ? `[${host}]` : host
    let closed = false
    return {
      url: `${tlsMaterial ? 'https' : 'http'}://${urlHost}:${port}`,
      host,
      port,
      store,
      initialAccount,
      createAccount: (opts) => store.createAccount(opts, 'local'),
      async setPolicy(accountName, policy) {
        const a = await store.accounts.byName(accountName)
        needs(a, 'InvalidParameterValue', `No account named ${accountName}.`)
        await store.accounts.setPolicy(a.accountId, policy)
      },
      accounts: () => store.accounts.list(),
      reloadTls() {
        needs(options.tls, 'InvalidParameterValue', 'This server was started without TLS.')
        const fresh = readTlsMaterial(options.tls)
        try {
          ;(app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({
            cert: fresh.cert,
            key: fresh.key,
            ...(fresh.clientCa ? { ca: fresh.clientCa } : {}),
          })
        } finally {
          fresh.key.fill(0)
        }
      },
      sweepDeletedKeys: () => sweepDeletedKeys(services),
      compliance: compliance.profile,
      auditHash: compliance.auditHash,
      async close() {
        if (closed) return
        closed = true
        await app.close()
        await sweeper.stop()
        await membership?.leave()
        await store.close()
        box.dispose()
        disposeAuditMacKeys(macKey)
        if (options.ownsProvider) await options.provider.close()
      },
    }
  } catch (e) {
    await membership?.leave()
    await store.close().catch(() => undefined)
    box.dispose()
    disposeAuditMacKeys(macKey)
    throw e
  }
}
