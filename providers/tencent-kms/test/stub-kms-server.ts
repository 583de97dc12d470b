/**
 * A loopback HTTP server that answers in Tencent KMS's wire format (JSON `{"Response": ...}`), so that the
 * real Tencent SDK client inside the provider is what talks to it. It does protocol only, no crypto: replies
 * are scripted per request, including errors, non-200 statuses, hangs and connection resets.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { TencentKmsKeyProvider, type TencentKmsOptions } from '@keyward/provider-tencent-kms'

export interface StubRequest {
  action: string
  body: Record<string, unknown>
  headers: IncomingHttpHeaders
}

export type StubReply = { status?: number; json: unknown } | { hang: true } | { reset: true }

export type StubHandler = (req: StubRequest, index: number) => StubReply | Promise<StubReply>

export interface StubKms {
  /** host:port, for the provider's `endpoint`. */
  endpoint: string
  requests: StubRequest[]
  /** Count of requests of one Action. */
  count(action: string): number
  setHandler(handler: StubHandler): void
  close(): Promise<void>
}

/** A successful Tencent response with the given fields. */
export function ok(fields: Record<string, unknown> = {}): StubReply {
  return { json: { Response: { ...fields, RequestId: randomUUID() } } }
}

/** A Tencent API error, with a RequestId the test can look for. */
export function apiError(code: string, message = `stub ${code}`, requestId = `req-${code}`): StubReply {
  return { json: { Response: { Error: { Code: code, Message: message }, RequestId: requestId } } }
}

export async function startStubKms(handler: StubHandler): Promise<StubKms> {
  let current = handler
  const requests: StubRequest[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const entry: StubRequest = {
        action: String(req.headers['x-tc-action'] ?? ''),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        headers: req.headers,
      }
      requests.push(entry)
      void Promise.resolve(current(entry, requests.length - 1)).then((reply) => {
        if ('hang' in reply) return
        if ('reset' in reply) return req.socket.destroy()
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(reply.json))
      })
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `127.0.0.1:${port}`,
    requests,
    count: (action) => requests.filter((r) => r.action === action).length,
    setHandler: (h) => {
      current = h
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A provider that reaches the stub through the real SDK, with fast retries so tests stay quick. */
export function stubProvider(stub: StubKms, options: Partial<TencentKmsOptions> = {}): TencentKmsKeyProvider {
  return new TencentKmsKeyProvider({
    region: 'ap-guangzhou',
    endpoint: stub.endpoint,
    protocol: 'http',
    credentials: { secretId: 'AKIDstubstubstub', secretKey: 'stub-secret-key-never-printed' },
    requestTimeoutMs: 5_000,
    ...options,
    retry: { initialDelayMs: 1, maxDelayMs: 5, deadlineMs: 10_000, ...options.retry },
  })
}
