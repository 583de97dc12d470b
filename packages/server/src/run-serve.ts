import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { zeroize, type KeyProvider, type KeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore, loadRootKey } from '@keyward/provider-software'
import { defaultStoreConfig, keywardHome } from './open-server-store.js'
import type { ServerComplianceOptions } from './server-compliance.js'
import { startServer, type RunningServer } from './start-server.js'
import { PostgresKeyStore } from './store/sql-key-store.js'
import type { TlsOptions } from './tls-files.js'

/** Options of {@link runServe} (what `keyward serve` and `npm start` pass). */
export interface ServeOptions extends ServerComplianceOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8300. */
  port?: number
  /** Data directory; default $KEYWARD_HOME or ~/.keyward. */
  home?: string
  /** Where the banner goes; default process.stdout. */
  out?: { write(text: string): unknown }
  /** Log level of the JSON request log on stderr; default info. */
  logLevel?: string
  /**
   * Where keys live. Default: the software provider over `<home>/keys.db`. Give a PKCS#11 provider to serve an
   * HSM, or a Tencent KMS provider to run as a proxy that adds accounts, policy and audit. runServe closes it.
   */
  provider?: KeyProvider
  /** HTTPS (and mutual TLS with clientCaFile); required for a non-loopback host unless `insecureHttp`. */
  tls?: TlsOptions
  /** Allow plain HTTP on a non-loopback host (not recommended; see the README's threat model). */
  insecureHttp?: boolean
  /** Strict mode: signed x-tc-action and a replay cache (stock SDKs do not sign the action). */
  strictSigning?: boolean
}

/**
 * The embedded setup: the software provider with its keys in `<home>/keys.db`, server state in
 * `<home>/server.db` (or both in PostgreSQL when KEYWARD_POSTGRES_URL is set), root key from KEYWARD_ROOT_KEY
 * or `<home>/root.key` (created 0600 on first start — a development convenience: a root key beside the data it
 * protects does not protect a copied directory). Prints the endpoint and, on first start, the dev credentials
 * (shown once), then exactly one line `listening on http://H:P` once it accepts.
 *
 * @example
 * ```ts
 * const server = await runServe({ port: 8300 })
 * process.on('SIGTERM', () => void server.close())
 * ```
 */
export async function runServe(options: ServeOptions = {}): Promise<RunningServer> {
  const home = options.home ?? keywardHome()
  const out = options.out ?? process.stdout
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const storeConfig = defaultStoreConfig(home)
  const rootBytes = loadRootKey({ keyFile: join(home, 'root.key'), createIfMissing: true })
  let keyStore: KeyStore | undefined
  try {
    let provider = options.provider
    if (!provider) {
      keyStore =
        'postgres' in storeConfig
          ? await PostgresKeyStore.open(storeConfig.postgres)
          : SqliteKeyStore.open(join(home, 'keys.db'))
      provider = new SoftwareKeyProvider({ store: keyStore, rootKey: RootKey.fromBytes(rootBytes) })
    }
    const server = await startServer({
      provider,
      ownsProvider: true,
      store: storeConfig,
      rootKey: rootBytes,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8300,
      logger: pino({ level: options.logLevel ?? 'info' }, pino.destination(2)),
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.insecureHttp ? { insecureHttp: true } : {}),
      ...(options.strictSigning ? { strictSigning: true } : {}),
      ...(options.compliance ? { compliance: options.compliance } : {}),
      ...(options.allowLegacyDecrypt ? { allowLegacyDecrypt: true } : {}),
    })
    const [scheme, endpoint] = server.url.split('://') as [string, string]
    out.write(`Keyward KMS (Tencent KMS API 2019-01-18) over the ${provider.name} provider; data in ${home}\n`)
    out.write(
      `endpoint: ${endpoint} (SDK: httpProfile { endpoint: '${endpoint}', protocol: '${scheme}://' })${options.strictSigning ? '; strict signing (x-tc-action signed, no replays)' : ''}\n`,
    )
    if (server.compliance.name !== 'none') {
      const legacy = options.allowLegacyDecrypt ? '; allowLegacyDecrypt ON (each use audited as LegacyDecrypt)' : ''
      out.write(
        `compliance profile: ${server.compliance.name} (${server.compliance.title}); audit chain ${server.auditHash === 'sm3' ? 'SM3 / HMAC-SM3' : 'SHA-256 / HMAC-SHA-256'}${legacy}\n`,
      )
    }
    const a = server.initialAccount
    if (a && a.secretKeySource === 'generated') {
      out.write(
        `dev credentials (shown once; stored sealed under the root key):\n  SecretId:  ${a.secretId}\n  SecretKey: ${a.secretKey}\n`,
      )
    } else if (a) {
      // A supplied SecretKey is never printed: whoever set KEYWARD_BOOTSTRAP_SECRET_KEY has it.
      out.write(
        `admin account created with SecretId ${a.secretId} and the SecretKey from KEYWARD_BOOTSTRAP_SECRET_KEY\n`,
      )
    } else {
      out.write(
        'credentials: use the SecretId/SecretKey shown at first start (or KEYWARD_BOOTSTRAP_SECRET_ID/KEY; lost: keyward account rotate-secret)\n',
      )
    }
    out.write(`listening on ${server.url}\n`)
    return server
  } catch (e) {
    await keyStore?.close().catch(() => undefined)
    await options.provider?.close().catch(() => undefined)
    throw e
  } finally {
    zeroize(rootBytes)
  }
}
