import { randomUUID } from 'node:crypto'
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https'
import type { Socket } from 'node:net'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyHttpsOptions,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify'
import type { Logger } from 'pino'
import { KeywardError, needs } from '@keyward/core'
import { ActionDispatcher } from './action-dispatcher.js'
import type { RateLimiter } from './cluster/rate-limiter.js'
import type { ReplayCache } from './cluster/replay-cache.js'
import { injectFault, type FaultOptions } from './faults.js'
import type { ServerMetrics } from './metrics.js'
import type { Params } from './protocol/params.js'
import type { ServerServices } from './request-context.js'
import type { SqlDb } from './store/sql-db.js'
import { Tc3Authenticator, claimedSecretId } from './tc3-authenticator.js'
import type { TlsMaterial } from './tls-files.js'

/** Options of {@link buildHttpApp}. */
export interface HttpAppOptions {
  services: ServerServices
  /** Per account and Action, after authentication and the Action lookup (then fault injection, when configured). */
  limiter: RateLimiter
  faults: FaultOptions | undefined
  /** Strict mode: the Action must be signed and each signature is accepted once (`replayCache`). */
  strictSigning: boolean
  replayCache: ReplayCache
  metrics: ServerMetrics
  db: SqlDb
  logger: Logger
  /** Largest accepted request body, bytes. */
  bodyLimit: number
  /** Proxies whose X-Forwarded-For is believed (see ServerOptions.trustProxy). */
  trustProxy: boolean | string | string[]
  /** HTTPS (and mutual TLS when it has a client CA); plain HTTP when absent. */
  tls?: TlsMaterial
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** An answer in Tencent's shape: `{"Response": {...}}` and its RequestId (for the X-TC-RequestId header). */
interface Answer {
  body: { Response: Record<string, unknown> }
  requestId: string
}

function parseBody(body: Uint8Array): Params {
  let parsed: unknown
  try {
    parsed =
      body.byteLength === 0
        ? {}
        : JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
  } catch (e) {
    throw new KeywardError('InvalidParameter', 'The request body is not valid JSON.', { cause: e })
  }
  needs(
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed),
    'InvalidParameter',
    'The request body must be a JSON object.',
  )
  return parsed as Params
}

/** The raw HTTP answer to a connection whose request could not even be parsed (framing, header size). */
function rawAnswer(status: number, outcome: Answer): string {
  const body = JSON.stringify(outcome.body)
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nX-TC-RequestId: ${outcome.requestId}\r\nConnection: close\r\n\r\n${body}`
}

/**
 * The fastify app: `POST /` is the KMS API (any content type is read as raw bytes, since the signature covers
 * exactly those bytes), handed straight to the {@link ActionDispatcher} with TC3 authentication; `GET /healthz`,
 * `GET /metrics`. Every rejection before the API — body too large, broken framing, headers too large, unknown path,
 * a TLS client without a valid certificate — is audited (with the SecretId it claimed, never its signature) and,
 * where HTTP still works, answered in Tencent's error shape.
 */
export function buildHttpApp(opts: HttpAppOptions): FastifyInstance {
  const { metrics } = opts
  const dispatcher = new ActionDispatcher(opts.services, (e, requestId) => {
    opts.logger.error(
      { requestId, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) },
      'unexpected error',
    )
  })
  const authenticator = new Tc3Authenticator(opts.services, {
    strictSigning: opts.strictSigning,
    replayCache: opts.replayCache,
  })
  /** A request refused before the API: audited by the dispatcher, counted, answered in Tencent's shape. */
  const refuse = async (sourceIp: string, code: string, message: string, authorization?: string): Promise<Answer> => {
    const r = await dispatcher.refuse({ sourceIp, code, message, secretId: claimedSecretId(authorization) })
    metrics.requests.inc({ action: 'Unknown', code: r.code })
    return { body: { Response: r.response }, requestId: r.requestId }
  }
  // A request whose framing breaks mid-body fails twice (the parser's clientError, then the body read): the
  // connection is answered and audited once, by clientError.
  const refusedSockets = new WeakSet<Socket>()
  const tls: HttpsServerOptions | undefined = opts.tls && {
    cert: opts.tls.cert,
    key: opts.tls.key,
    ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  }
  const base: FastifyServerOptions = {
    // A silent logger is left out: fastify then skips creating a child logger per request.
    ...(opts.logger.isLevelEnabled('fatal') ? { loggerInstance: opts.logger as FastifyBaseLogger } : {}),
    // One log line per KMS request comes from the route (with Action, account, code); none from fastify.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy,
    // The SDK keeps connections alive; these bound slow or idle clients.
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      refusedSockets.add(socket)
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW'
      const status = tooLarge ? 431 : 400
      const message = tooLarge
        ? 'The request headers are too large.'
        : `Malformed HTTP request: ${err.code ?? 'bad framing'}.`
      void refuse(socket.remoteAddress ?? '', 'InvalidParameter', message).then((outcome) => {
        if (socket.writable) socket.write(rawAnswer(status, outcome))
        socket.destroy()
      })
    },
    frameworkErrors(error, request, reply) {
      void refuse(
        request.ip,
        'InvalidParameter',
        `Malformed request: ${error.code}.`,
        header(request.headers.authorization),
      ).then((outcome) =>
        (reply as FastifyReply).code(400).header('x-tc-requestid', outcome.requestId).send(outcome.body),
      )
    },
  }
  // fastify types an HTTPS app apart from an HTTP one; the routes below are the same for both.
  const app = (tls
    ? Fastify({ ...(base as FastifyHttpsOptions<HttpsServer>), https: tls })
    : Fastify(base)) as unknown as FastifyInstance
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  if (opts.tls?.clientCa) {
    // A client refused during the handshake (no certificate, or one the client CA did not issue) never reaches
    // HTTP; the refusal is audited all the same.
    app.server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      opts.logger.warn({ ip: socket.remoteAddress, code: err.code }, 'TLS client refused')
      void refuse(
        socket.remoteAddress ?? '',
        'AuthFailure.InvalidAuthorization',
        `TLS handshake refused: ${err.code ?? err.message}`,
      )
    })
  }

  app.post('/', async (request, reply) => {
    const started = performance.now()
    const requestId = randomUUID()
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const req = { method: 'POST', path: '/', query: '', headers: request.headers, body, sourceIp: request.ip }
    const out = await dispatcher.dispatch({
      requestId,
      action: header(request.headers['x-tc-action']) ?? '',
      sourceIp: request.ip,
      secretId: claimedSecretId(header(request.headers.authorization)),
      authenticate: () => authenticator.authenticate(req),
      admit: async (account, action) => {
        opts.limiter.take(account.accountId, action)
        await injectFault(opts.faults)
      },
      params: () => parseBody(body),
    })
    metrics.requests.inc({ action: out.action, code: out.code })
    metrics.duration.observe({ action: out.action }, (performance.now() - started) / 1000)
    opts.logger.info(
      {
        requestId,
        action: out.action,
        account: out.account?.name ?? '',
        keyId: out.keyId,
        code: out.code,
        ip: request.ip,
      },
      'kms request',
    )
    void reply.header('content-type', 'application/json').header('x-tc-requestid', requestId)
    return JSON.stringify({ Response: out.response })
  })

  app.get('/healthz', async (_request, reply) => {
    try {
      await opts.db.all('SELECT 1 AS ok')
      return { status: 'ok' }
    } catch {
      return reply.code(503).send({ status: 'store unavailable' })
    }
  })

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.setNotFoundHandler(async (request, reply) => {
    const outcome = await refuse(
      request.ip,
      'InvalidAction',
      'Not found: the KMS API is POST /.',
      header(request.headers.authorization),
    )
    return reply.code(404).header('x-tc-requestid', outcome.requestId).send(outcome.body)
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (refusedSockets.has(request.raw.socket)) return reply.hijack()
    const status = error.statusCode ?? 500
    if (status >= 500) request.log.error({ err: { message: error.message, code: error.code } }, 'http error')
    const code = status === 413 || status < 500 ? 'InvalidParameter' : 'InternalError'
    const message =
      status === 413
        ? `The request body exceeds ${opts.bodyLimit} bytes.`
        : status < 500
          ? `Malformed request: ${error.code ?? 'bad input'}.`
          : 'An internal error occurred.'
    const outcome = await refuse(request.ip, code, message, header(request.headers.authorization))
    // HTTP 200 as Tencent answers API errors, so SDKs surface the code.
    return reply.code(200).header('x-tc-requestid', outcome.requestId).send(outcome.body)
  })
  return app
}
