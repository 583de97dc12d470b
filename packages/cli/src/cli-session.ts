import type { KeywardConfig } from '@keyward/container'
import type { KeyProvider, SymmetricKeySpec } from '@keyward/core'
import { transportClient, type KmsTransport } from './kms-transport.js'

/** The options every command takes (`keyward --help`). */
export interface GlobalOptions {
  home?: string
  config?: string
  provider?: string
  endpoint?: string
  region?: string
}

/** Where a command writes: stdout for results, stderr for messages. */
export interface CliIo {
  out: { write(text: string): unknown }
  err: { write(text: string): unknown; isTTY?: boolean }
}

/** The configuration of one invocation: defaults < config file < environment < global flags. */
export async function resolveConfig(opts: GlobalOptions): Promise<KeywardConfig> {
  // Loaded here rather than at startup so that `--help` and usage errors stay quick.
  const { loadConfig } = await import('@keyward/container')
  const tencent: Record<string, string> = {}
  if (opts.endpoint) tencent['endpoint'] = opts.endpoint
  if (opts.region) tencent['region'] = opts.region
  // An endpoint or a region names a remote KMS: it only makes sense with the Tencent provider.
  const provider = opts.provider ?? (opts.endpoint || opts.region ? 'tencent-kms' : undefined)
  return loadConfig({
    ...(opts.config ? { file: opts.config } : {}),
    flags: { ...(opts.home ? { home: opts.home } : {}), ...(provider ? { provider } : {}), ...(opts.endpoint || opts.region ? { tencent } : {}) },
  })
}

/**
 * One invocation's connection to a KMS: the transport `keyward kms` uses and, built on it, a KeyProvider for the
 * file commands, so both go through the same Actions, account and audit log.
 */
export class CliSession {
  #provider: KeyProvider | undefined

  private constructor(
    readonly config: KeywardConfig,
    readonly transport: KmsTransport,
    private readonly remote: boolean,
    /** What CreateKey may make: both for the embedded KMS and `keyward serve`, the region's own for Tencent Cloud. */
    private readonly symmetricKeySpecs: readonly SymmetricKeySpec[],
  ) {}

  /** Opens the transport the configuration names: the embedded stores, or an endpoint/region for `tencent-kms`. */
  static async open(opts: GlobalOptions, io: CliIo): Promise<CliSession> {
    const config = await resolveConfig(opts)
    const { KeyProvider: KeyProviderToken, createKeywardContainer, tencentOptions } = await import('@keyward/container')
    // Loaded on demand: the server (fastify, SQLite) only for the embedded KMS, the SDK glue only for a remote one.
    if (config.provider === 'tencent-kms') {
      const { RemoteTransport } = await import('./remote-transport.js')
      const options = tencentOptions(config)
      return new CliSession(config, new RemoteTransport(options), true, options.symmetricKeySpecs ?? ['AES_256'])
    }
    // software: exactly the stores `keyward serve` opens; pkcs11: keys in the HSM, server state in the home.
    const provider = config.provider === 'software'
      ? undefined
      : await (await createKeywardContainer(config)).getAsync<KeyProvider>(KeyProviderToken)
    const { LocalTransport } = await import('./local-transport.js')
    const local = await LocalTransport.open(config.home, provider, (t) => io.err.write(t))
    return new CliSession(config, local, false, ['AES_256', 'SM4'])
  }

  /** A KeyProvider whose every call is an Action on this session's transport. */
  async provider(): Promise<KeyProvider> {
    if (this.#provider) return this.#provider
    const { TencentKmsKeyProvider } = await import('@keyward/provider-tencent-kms')
    this.#provider = new TencentKmsKeyProvider({
      region: this.config.tencent.region,
      clientSupplier: () => transportClient(this.transport),
      symmetricKeySpecs: this.symmetricKeySpecs,
      // In-process calls fail the same way every time: no point retrying them.
      ...(this.remote ? {} : { retry: { maxAttempts: 1 } }),
    })
    return this.#provider
  }

  async close(): Promise<void> {
    try {
      await this.#provider?.close()
    } finally {
      await this.transport.close()
    }
  }
}

/** Runs `fn` with an open session and always closes it. */
export async function withSession<T>(opts: GlobalOptions, io: CliIo, fn: (s: CliSession) => Promise<T>): Promise<T> {
  const session = await CliSession.open(opts, io)
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}
