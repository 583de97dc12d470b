import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { kms } from 'tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js'
import { MemoryKeyStore, type KeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import { tempDir } from '@keyward/test-support'
import { startServer, type RunningServer, type ServerOptions } from '@keyward/server'

/** The SDK's KMS client class. */
export type KmsClient = InstanceType<typeof kms.v20190118.Client>

/** A real Tencent Cloud SDK client pointed at `url`. */
export function sdkClient(url: string, secretId: string, secretKey: string): KmsClient {
  return new kms.v20190118.Client({
    credential: { secretId, secretKey },
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: url.replace(/^http:\/\//, ''), protocol: 'http://', reqTimeout: 30 } },
  })
}

export interface TestServer {
  server: RunningServer
  /** Client of the bootstrap admin account. */
  admin: KmsClient
  dir: string
  rootKey: Buffer
  /** A new account and its SDK client. */
  account(name: string, policy?: Parameters<RunningServer['createAccount']>[0]['policy']): Promise<KmsClient>
  close(): Promise<void>
}

/**
 * A server over the real software provider: keys in SQLite under a temp dir (or memory), server state in SQLite.
 * `reuse` restarts over an existing dir and root key.
 */
export async function startTestServer(
  options: Partial<ServerOptions> & { reuse?: { dir: string; rootKey: Buffer }; memoryKeys?: boolean } = {},
): Promise<TestServer> {
  const tmp = options.reuse ? { dir: options.reuse.dir, remove: () => undefined } : tempDir('keyward-server-')
  const rootKey = options.reuse?.rootKey ?? randomBytes(32)
  const keyStore: KeyStore = options.memoryKeys ? new MemoryKeyStore() : SqliteKeyStore.open(join(tmp.dir, 'keys.db'))
  const provider = new SoftwareKeyProvider({ store: keyStore, rootKey: RootKey.fromBytes(rootKey) })
  const server = await startServer({
    provider,
    ownsProvider: true,
    store: { sqlite: join(tmp.dir, 'server.db') },
    rootKey,
    bootstrap: { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' },
    ...options,
  })
  return {
    server,
    admin: sdkClient(server.url, 'AKIDtestadmin0000000000000000001', 'testadminsecretkey0000000000001'),
    dir: tmp.dir,
    rootKey,
    async account(name, policy) {
      const a = await server.createAccount({ name, ...(policy ? { policy } : {}) })
      return sdkClient(server.url, a.secretId, a.secretKey)
    },
    async close() {
      await server.close()
      if (!options.reuse) tmp.remove()
    },
  }
}

export const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64')
