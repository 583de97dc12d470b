/**
 * What the attack suite stands on: a real `keyward serve` (startServer over the real software provider, SQLite
 * or PostgreSQL stores) with one ManualClock shared by server and provider for time travel, the real Tencent SDK
 * as the victim's and the attacker's client, and raw HTTP for what an SDK would not send: captured requests
 * re-sent as they were, or altered.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ManualClock, type KeyStore } from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import { tc3Authorization } from '@keyward/provider-tencent-kms'
import { startServer, type AccountPolicy, type RunningServer, type ServerOptions } from '@keyward/server'
import { tempDir } from '@keyward/test-support'
import { rawRequest, send } from '../../packages/server/test/raw-request.js'
import { sdkClient, type KmsClient } from '../../packages/server/test/server-harness.js'

export { b64, sdkClient, type KmsClient } from '../../packages/server/test/server-harness.js'
export { rawRequest, send } from '../../packages/server/test/raw-request.js'

/** SecretId/SecretKey of an account. */
export interface Creds {
  secretId: string
  secretKey: string
}

const sdkSigner = (
  createRequire(import.meta.url)('tencentcloud-sdk-nodejs/tencentcloud/common/sign.js') as {
    default: { sign3(a: Record<string, unknown>): string }
  }
).default

export const ADMIN: Creds = {
  secretId: 'AKIDattackadmin000000000000000001',
  secretKey: 'attackadminsecretkey00000000001',
}

export interface AttackServer {
  server: RunningServer
  url: string
  dir: string
  rootKey: Buffer
  /** Server and provider time: advance it to travel past deletion windows; SDK calls need it back at real time. */
  clock: ManualClock
  provider: SoftwareKeyProvider
  admin: KmsClient
  /** A new account: its SDK client and credentials. */
  account(name: string, policy?: AccountPolicy): Promise<{ client: KmsClient; creds: Creds }>
  /** A request signed as the stock SDK signs it (content-type;host), at the server clock's time. */
  raw(
    creds: Creds,
    action: string,
    body: unknown,
  ): Promise<{ code: string | undefined; response: Record<string, unknown> }>
  close(): Promise<void>
}

/** The server's Response, or its error code. */
export function responseOf(r: Awaited<ReturnType<typeof rawRequest>>): {
  code: string | undefined
  response: Record<string, unknown>
} {
  const response = (r.json?.Response ?? {}) as Record<string, unknown>
  return { code: r.json?.Response?.Error?.Code, response }
}

/** Starts a server over a fresh temp dir (keys and state in SQLite unless `store`/`keyStore` say otherwise). */
export async function startAttackServer(
  options: Partial<ServerOptions> & { keyStore?: KeyStore } = {},
): Promise<AttackServer> {
  const tmp = tempDir('keyward-attack-')
  const rootKey = randomBytes(32)
  const clock = new ManualClock(Date.now())
  const provider = new SoftwareKeyProvider({
    store: options.keyStore ?? SqliteKeyStore.open(join(tmp.dir, 'keys.db')),
    rootKey: RootKey.fromBytes(rootKey),
    clock,
  })
  let server: RunningServer
  try {
    server = await startServer({
      provider,
      ownsProvider: true,
      store: { sqlite: join(tmp.dir, 'server.db') },
      rootKey,
      clock,
      bootstrap: ADMIN,
      rateLimits: { default: 0 },
      ...options,
    })
  } catch (e) {
    await provider.close()
    tmp.remove()
    throw e
  }
  return {
    server,
    url: server.url,
    dir: tmp.dir,
    rootKey,
    clock,
    provider,
    admin: sdkClient(server.url, ADMIN.secretId, ADMIN.secretKey),
    async account(name, policy) {
      const a = await server.createAccount({ name, ...(policy ? { policy } : {}) })
      return {
        client: sdkClient(server.url, a.secretId, a.secretKey),
        creds: { secretId: a.secretId, secretKey: a.secretKey },
      }
    },
    async raw(creds, action, body) {
      return responseOf(
        await rawRequest(server.url, { ...creds, action, body, timestamp: Math.floor(clock.now() / 1000) }),
      )
    },
    async close() {
      await server.close()
      tmp.remove()
    },
  }
}

/** A request as it crossed the wire: enough to send it again, byte for byte. */
export interface Captured {
  headers: Record<string, string>
  body: Buffer
}

/**
 * Signs a request the way the stock SDK does (SignedHeaders content-type;host) or, with `signAction`, the way
 * Keyward's provider does (adding x-tc-action, x-tc-timestamp, x-tc-traceid); returns it without sending it, as
 * an eavesdropper would have it.
 */
export function capture(
  url: string,
  creds: Creds,
  action: string,
  params: unknown,
  opts: { signAction?: boolean; timestamp?: number } = {},
): Captured {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000)
  const body = Buffer.from(JSON.stringify(params))
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-TC-Action': action,
    'X-TC-Version': '2019-01-18',
    'X-TC-Region': 'ap-guangzhou',
    'X-TC-Timestamp': String(timestamp),
  }
  const host = new URL(url).hostname
  if (opts.signAction) {
    const traceId = randomBytes(16).toString('hex')
    headers['X-TC-TraceId'] = traceId
    headers['Authorization'] = tc3Authorization({
      ...creds,
      service: host.split('.')[0] ?? 'kms',
      timestamp,
      body,
      headers: {
        'content-type': 'application/json',
        host,
        'x-tc-action': action,
        'x-tc-timestamp': String(timestamp),
        'x-tc-traceid': traceId,
      },
    })
    return { headers, body }
  }
  // The real SDK's signer, as tencentcloud-sdk-nodejs signs every request.
  headers['Authorization'] = sdkSigner.sign3({
    method: 'POST',
    url: `${url}/`,
    payload: body,
    timestamp,
    service: host.split('.')[0] ?? 'kms',
    ...creds,
    multipart: false,
    boundary: '',
    headers,
  })
  return { headers, body }
}

/** Sends a captured request again, optionally with some headers changed (e.g. another X-TC-Action). */
export async function resend(
  url: string,
  c: Captured,
  headers: Record<string, string> = {},
): Promise<{ code: string | undefined; response: Record<string, unknown> }> {
  const { status, text } = await send(url, { ...c.headers, ...headers }, c.body)
  const json = JSON.parse(text) as { Response?: Record<string, unknown> & { Error?: { Code: string } } }
  if (status !== 200) throw new Error(`HTTP ${status}: ${text}`)
  return { code: json.Response?.Error?.Code, response: json.Response ?? {} }
}
