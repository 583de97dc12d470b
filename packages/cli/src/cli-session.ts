import type { KeywardConfig } from '@keyward/container'
import type { KeyProvider, LegacyDecryptEvent, SymmetricKeySpec } from '@keyward/core'
import { transportClient, type KmsTransport } from './kms-transport.js'
import { resolveTarget, type GlobalOptions } from './target.js'

export { resolveConfig, resolveTarget, type GlobalOptions, type Target } from './target.js'

/** Where a command writes: stdout for results, stderr for messages. */
export interface CliIo {
  out: { write(text: string): unknown }
  err: { write(text: string): unknown; isTTY?: boolean }
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
    private readonly region: string,
    /** What CreateKey may make: both for the embedded KMS and `keyward serve`, the region's own for Tencent Cloud. */
    private readonly symmetricKeySpecs: readonly SymmetricKeySpec[],
    private readonly io: CliIo,
  ) {}

  /**
   * Opens the transport the options name: the embedded stores, or — only on an explicit choice — a remote KMS,
   * announced once on stderr (`→ Tencent Cloud KMS ap-guangzhou`) unless `--quiet`.
   */
  static async open(opts: GlobalOptions, io: CliIo): Promise<CliSession> {
    const { config, remote } = await resolveTarget(opts)
    // The profile holds for the whole process (flows included) before anything is opened.
    const { applyCompliance } = await import('@keyward/container')
    applyCompliance(config, 'the keyward command line, config and KEYWARD_COMPLIANCE')
    // Loaded on demand: the server (SQLite) only for the embedded KMS, the SDK glue only for a remote one.
    if (remote) {
      const { RemoteTransport } = await import('./remote-transport.js')
      const specs = remote.options.symmetricKeySpecs ?? ['AES_256']
      let transport: KmsTransport = new RemoteTransport(remote.options)
      if (!opts.quiet) io.err.write(remote.announce)
      if (config.compliance !== 'none') {
        // A remote KMS applies no profile of ours: raw Actions are checked here, on the way out.
        const { ComplianceTransport } = await import('./compliance-transport.js')
        transport = new ComplianceTransport(transport, config, specs, (e) => legacyNote(io, e))
      }
      return new CliSession(config, transport, true, remote.options.region ?? config.tencent.region, specs, io)
    }
    // software: exactly the stores `keyward serve` opens; pkcs11: keys in the HSM, server state in the home.
    let provider: KeyProvider | undefined
    if (config.provider !== 'software') {
      const { KeyProvider: KeyProviderToken, createKeywardContainer } = await import('@keyward/container')
      const { recordLegacyDecryptInRequest } = await import('@keyward/server/local')
      provider = await (
        await createKeywardContainer(config, { onLegacyDecrypt: recordLegacyDecryptInRequest })
      ).getAsync<KeyProvider>(KeyProviderToken)
    }
    const local = await openEmbedded(config, provider, io)
    return new CliSession(config, local, false, config.tencent.region, ['AES_256', 'SM4'], io)
  }

  /** A KeyProvider whose every call is an Action on this session's transport. */
  async provider(): Promise<KeyProvider> {
    if (this.#provider) return this.#provider
    const { TencentKmsKeyProvider } = await import('@keyward/provider-tencent-kms')
    const { compliantProvider } = await import('@keyward/container')
    const provider = new TencentKmsKeyProvider({
      region: this.region,
      clientSupplier: () => transportClient(this.transport),
      symmetricKeySpecs: this.symmetricKeySpecs,
      // In-process calls fail the same way every time: no point retrying them.
      ...(this.remote ? {} : { retry: { maxAttempts: 1 } }),
    })
    // Bound to the profile, so that the flows on it (envelope, signatures, BYOK) take its defaults and refusals; the
    // KMS behind records legacy decryptions itself (the embedded one as LegacyDecrypt entries), this notes them.
    this.#provider = compliantProvider(this.config, provider, (e) => legacyNote(this.io, e))
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

/**
 * The embedded default: the server's own dispatcher in-process (`openLocalKms`, whose `call` is the transport) over
 * the stores `keyward serve` uses in the home, as its first (dev) account — same keys, audit log and Response bytes.
 * With `provider` (PKCS#11 from the config) keys live there instead of the software store.
 */
async function openEmbedded(
  config: KeywardConfig,
  provider: KeyProvider | undefined,
  io: CliIo,
): Promise<KmsTransport> {
  // The ./local subpath skips the HTTP stack (fastify, pino, prom-client, pg) the embedded path never uses.
  const { openLocalKms } = await import('@keyward/server/local')
  const kms = await openLocalKms({
    home: config.home,
    compliance: config.compliance,
    allowLegacyDecrypt: config.allowLegacyDecrypt,
    ...(provider ? { provider, ownsProvider: true } : {}),
    source: 'cli',
    onUnexpectedError: (e, requestId) =>
      io.err.write(`internal error (RequestId ${requestId}): ${e instanceof Error ? e.message : String(e)}\n`),
  })
  const a = kms.initialAccount
  if (a) {
    io.err.write(
      `created the dev account of ${config.home} (shown once; \`keyward serve\` uses it too):\n  SecretId:  ${a.secretId}\n  SecretKey: ${a.secretKey}\n`,
    )
  }
  return kms
}

/** A legacy decryption the escape hatch let through, said on stderr (the KMS's own audit log records the call). */
function legacyNote(io: CliIo, e: LegacyDecryptEvent): void {
  io.err.write(
    `legacy decryption under ${e.profile} (--allow-legacy-decrypt): ${e.action} of ${e.algorithm} data${e.keyId ? ` under key ${e.keyId}` : ''}\n`,
  )
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
