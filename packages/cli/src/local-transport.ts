// The ./local subpath skips the HTTP stack (fastify, pino, prom-client, pg) the embedded path never uses.
import { openLocalKms, type LocalKms, type ServerComplianceOptions } from '@keyward/server/local'
import type { KeyProvider } from '@keyward/core'
import type { KmsEnvelope, KmsTransport } from './kms-transport.js'

/**
 * The embedded default: Actions run in-process through the server's handlers over the stores `keyward serve`
 * uses in the data directory, as its first (dev) account — same keys, same audit log, same Response bytes.
 */
export class LocalTransport implements KmsTransport {
  private constructor(private readonly kms: LocalKms, readonly target: string) {}

  /**
   * Opens the data directory `home`. With `provider` (e.g. PKCS#11 from the config), keys live there instead of
   * the software store; `announce` receives the dev credentials when this call created the first account.
   */
  static async open(home: string, provider: KeyProvider | undefined, announce: (text: string) => void, compliance: ServerComplianceOptions = {}): Promise<LocalTransport> {
    const kms = await openLocalKms({
      home,
      ...compliance,
      ...(provider ? { provider, ownsProvider: true } : {}),
      source: 'cli',
      onUnexpectedError: (e, requestId) => announce(`internal error (RequestId ${requestId}): ${e instanceof Error ? e.message : String(e)}\n`),
    })
    const a = kms.initialAccount
    if (a) {
      announce(`created the dev account of ${home} (shown once; \`keyward serve\` uses it too):\n  SecretId:  ${a.secretId}\n  SecretKey: ${a.secretKey}\n`)
    }
    return new LocalTransport(kms, `embedded (${home})`)
  }

  call(action: string, params: Readonly<Record<string, unknown>>): Promise<KmsEnvelope> {
    return this.kms.call(action, params)
  }

  close(): Promise<void> {
    return this.kms.close()
  }
}
