import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify'
import type { Logger } from 'pino'
import type { KmsService } from './kms-service.js'
import type { ServerMetrics } from './metrics.js'
import type { SqlDb } from './store/sql-db.js'

/** Options of {@link buildHttpApp}. */
export interface HttpAppOptions {
  service: KmsService
  metrics: ServerMetrics
  db: SqlDb
  logger: Logger
  /** Largest accepted request body, bytes. */
  bodyLimit: number
  /** Proxies whose X-Forwarded-For is believed (see ServerOptions.trustProxy). */
  trustProxy: boolean | string | string[]
}

function tencentError(code: string, message: string): { Response: { Error: { Code: string; Message: string }; RequestId: string } } {
  return { Response: { Error: { Code: code, Message: message }, RequestId: '' } }
}

/**
 * The fastify app: `POST /` is the KMS API (any content type is read as raw bytes, since the signature covers
 * exactly those bytes), `GET /healthz`, `GET /metrics`. Transport-level failures (body too large, broken
 * framing) are answered in Tencent's error shape so SDK callers get a code, not a crash.
 */
export function buildHttpApp(opts: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    // A silent logger is left out: fastify then skips creating a child logger per request.
    ...(opts.logger.isLevelEnabled('fatal') ? { loggerInstance: opts.logger as FastifyBaseLogger } : {}),
    // One log line per KMS request comes from the route (with Action, account, code); none from fastify.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy,
    // The SDK keeps connections alive; these bound slow or idle clients.
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.post('/', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const outcome = await opts.service.handle({
      method: 'POST',
      path: '/',
      query: '',
      headers: request.headers,
      body,
      sourceIp: request.ip,
    })
    opts.logger.info(
      { requestId: outcome.requestId, action: outcome.action, account: outcome.accountName, keyId: outcome.keyId, code: outcome.code, ip: request.ip },
      'kms request',
    )
    void reply.header('content-type', 'application/json').header('x-tc-requestid', outcome.requestId)
    return JSON.stringify(outcome.body)
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
    void reply.header('content-type', opts.metrics.registry.contentType)
    return opts.metrics.registry.metrics()
  })

  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send(tencentError('InvalidAction', 'Not found: the KMS API is POST /.'))
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (status >= 500) request.log.error({ err: { message: error.message, code: error.code } }, 'http error')
    const code = status === 413 ? 'InvalidParameter' : status < 500 ? 'InvalidParameter' : 'InternalError'
    const message = status === 413 ? `The request body exceeds ${opts.bodyLimit} bytes.` : status < 500 ? `Malformed request: ${error.code ?? 'bad input'}.` : 'An internal error occurred.'
    void reply.code(200).send(tencentError(code, message))
  })
  return app
}
