/**
 * `keyward serve` on loopback for these tests: startServer (packages/server) over a real SoftwareKeyProvider,
 * and a TencentKmsKeyProvider that reaches it through the real Tencent SDK, so every byte of crypto is done by
 * the software provider and every byte of protocol by the SDK and the server.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { MemoryKeyStore, type ManualClock } from '@keyward/core'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { TencentKmsKeyProvider, type TencentKmsOptions } from '@keyward/provider-tencent-kms'
import { startServer, type RunningServer, type ServerOptions } from '@keyward/server'
import { tempDir } from '@keyward/test-support'

export interface ServeHarness {
  server: RunningServer
  backend: SoftwareKeyProvider
  /** host:port of the server, for the provider's `endpoint`. */
  endpoint: string
  credentials: { secretId: string; secretKey: string }
  /** A TencentKmsKeyProvider pointed at the server (several may share it). */
  provider(options?: Partial<TencentKmsOptions>): TencentKmsKeyProvider
  close(): Promise<void>
}

export async function startServe(
  opts: { clock?: ManualClock; faults?: ServerOptions['faults']; strictSigning?: boolean } = {},
): Promise<ServeHarness> {
  const tmp = tempDir('keyward-tc-serve-')
  const backend = new SoftwareKeyProvider({
    store: new MemoryKeyStore(),
    rootKey: RootKey.fromBytes(randomBytes(32)),
    ...(opts.clock ? { clock: opts.clock } : {}),
  })
  const credentials = {
    secretId: `AKID${randomBytes(12).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
  }
  const server = await startServer({
    provider: backend,
    store: { sqlite: join(tmp.dir, 'server.db') },
    rootKey: randomBytes(32),
    bootstrap: credentials,
    // Throttling is exercised by fault injection, where the test controls the rate; 0 turns the limiter off.
    rateLimits: { default: 0 },
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.strictSigning ? { strictSigning: true } : {}),
  })
  const endpoint = `${server.host}:${server.port}`
  return {
    server,
    backend,
    endpoint,
    credentials,
    provider: (options = {}) =>
      new TencentKmsKeyProvider({
        region: 'ap-guangzhou',
        endpoint,
        protocol: 'http',
        credentials,
        symmetricKeySpecs: ['AES_256', 'SM4'],
        ...options,
      }),
    close: async () => {
      await server.close()
      await backend.close()
      tmp.remove()
    },
  }
}
