import { randomUUID } from 'node:crypto'
import { KeywardError, needs, unixSeconds } from '@keyward/core'
import { ActionDispatcher } from './action-dispatcher.js'
import type { RateLimiter } from './cluster/rate-limiter.js'
import type { ReplayCache } from './cluster/replay-cache.js'
import { injectFault, type FaultOptions } from './faults.js'
import type { ServerMetrics } from './metrics.js'
import { parseTc3Authorization, verifyTc3, type SignedRequest } from './protocol/tc3.js'
import type { Params } from './protocol/params.js'
import type { ServerServices } from './request-context.js'
import type { Account } from './store/accounts.js'

/** The API version every request must name. */
export const API_VERSION = '2019-01-18'
/** Largest accepted clock difference between client and server, seconds (as Tencent). */
export const MAX_SKEW_SECONDS = 300

/** A KMS request as received over HTTP. */
export interface KmsHttpRequest extends Omit<SignedRequest, 'timestamp'> {
  sourceIp: string
}

/** What the service answers: Tencent's `{"Response": {...}}` and facts for logging. */
export interface KmsOutcome {
  body: { Response: Record<string, unknown> }
  action: string
  code: string
  accountName: string
  keyId: string
  requestId: string
}

/** Logger surface the service writes to (pino's). */
export interface KmsLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** How the service checks requests beyond the TC3 signature itself. */
export interface KmsServiceOptions {
  limiter: RateLimiter
  metrics: ServerMetrics
  log: KmsLogger
  faults: FaultOptions | undefined
  /**
   * Strict mode: `x-tc-action` must be among the SignedHeaders (so a request cannot be re-sent as another Action)
   * and a signature is accepted once (so a captured request cannot be replayed). Stock SDKs sign neither.
   */
  strictSigning: boolean
  replayCache: ReplayCache
}

function header(req: Pick<SignedRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** The SecretId an Authorization header names (for the audit of a failed authentication), or ''. */
export function claimedSecretId(authorization: string | undefined): string {
  const m = typeof authorization === 'string' ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization.slice(0, 2048)) : null
  return m?.[1] ?? ''
}

function parseBody(body: Uint8Array): Params {
  let parsed: unknown
  try {
    parsed = body.byteLength === 0 ? {} : JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
  } catch (e) {
    throw new KeywardError('InvalidParameter', 'The request body is not valid JSON.', { cause: e })
  }
  needs(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), 'InvalidParameter', 'The request body must be a JSON object.')
  return parsed as Params
}

/**
 * The KMS API over HTTP-independent input: authenticates (TC3-HMAC-SHA256, and in strict mode the signed Action
 * and the replay cache), rate-limits, injects faults when configured, and hands the request to the one
 * {@link ActionDispatcher} (which the embedded CLI uses too), which audits it before the answer goes out.
 */
export class KmsService {
  readonly #dispatcher: ActionDispatcher

  constructor(private readonly services: ServerServices, private readonly opts: KmsServiceOptions) {
    this.#dispatcher = new ActionDispatcher(services, (e, requestId) => {
      opts.log.error({ requestId, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, 'unexpected error')
    })
  }

  private parseHeaders(req: KmsHttpRequest): { action: string; timestamp: number } {
    const action = header(req, 'x-tc-action')
    needs(action !== undefined && action !== '', 'MissingParameter', 'The X-TC-Action header is required.')
    const version = header(req, 'x-tc-version')
    needs(version !== undefined && version !== '', 'MissingParameter', 'The X-TC-Version header is required.')
    needs(version === API_VERSION, 'InvalidParameterValue', `X-TC-Version must be ${API_VERSION}.`)
    const ts = header(req, 'x-tc-timestamp')
    needs(ts !== undefined && ts !== '', 'MissingParameter', 'The X-TC-Timestamp header is required.')
    needs(/^\d{1,12}$/.test(ts), 'InvalidParameterValue', 'X-TC-Timestamp must be Unix seconds.')
    return { action, timestamp: Number(ts) }
  }

  private async authenticate(req: KmsHttpRequest): Promise<Account> {
    const { timestamp } = this.parseHeaders(req)
    const auth = parseTc3Authorization(header(req, 'authorization'))
    if (this.opts.strictSigning && !auth.signedHeaders.includes('x-tc-action')) {
      throw new KeywardError('AuthFailure.InvalidAuthorization', 'This server runs in strict mode: SignedHeaders must include x-tc-action (stock SDKs do not sign it; see the server README).')
    }
    const found = await this.services.store.accounts.bySecretId(auth.secretId)
    if (!found) throw new KeywardError('AuthFailure.SecretIdNotFound', 'The SecretId does not exist.')
    const now = unixSeconds(this.services.clock)
    const skew = Math.abs(now - timestamp)
    if (skew > MAX_SKEW_SECONDS) throw new KeywardError('AuthFailure.SignatureExpire', `The request timestamp is ${skew} s off the server clock (limit ${MAX_SKEW_SECONDS} s).`)
    verifyTc3(auth, { ...req, timestamp }, found.secretKey)
    // Only verified signatures enter the cache, so nobody can fill it with garbage or block a signature in advance.
    if (this.opts.strictSigning && !(await this.opts.replayCache.firstUse(auth.signature, timestamp + MAX_SKEW_SECONDS, now))) {
      throw new KeywardError('AuthFailure.SignatureFailure', 'This signature was already used: strict mode accepts each signed request once.')
    }
    return found.account
  }

  /** Handles one request; never throws. */
  async handle(req: KmsHttpRequest): Promise<KmsOutcome> {
    const started = performance.now()
    const requestId = randomUUID()
    const out = await this.#dispatcher.dispatch({
      requestId,
      action: header(req, 'x-tc-action') ?? '',
      sourceIp: req.sourceIp,
      secretId: claimedSecretId(header(req, 'authorization')),
      authenticate: () => this.authenticate(req),
      admit: async (account, action) => {
        this.opts.limiter.take(account.accountId, action)
        await injectFault(this.opts.faults)
      },
      params: () => parseBody(req.body),
    })
    this.opts.metrics.requests.inc({ action: out.action, code: out.code })
    this.opts.metrics.duration.observe({ action: out.action }, (performance.now() - started) / 1000)
    return { body: { Response: out.response }, action: out.action, code: out.code, accountName: out.account?.name ?? '', keyId: out.keyId, requestId }
  }

  /**
   * A request refused before it reached the API (body too large, broken framing, unknown path, headers too
   * large): audited with the SecretId it claimed, answered in Tencent's error shape. Never throws.
   */
  async reject(info: { sourceIp: string; code: string; message: string; authorization?: string; action?: string }): Promise<KmsOutcome> {
    const requestId = randomUUID()
    let code = info.code
    let message = info.message
    try {
      await this.services.store.audit.append({
        time: Date.now(), accountId: '', secretId: claimedSecretId(info.authorization), action: 'Unknown', keyId: '', result: code, requestId, sourceIp: info.sourceIp,
      })
    } catch (e) {
      this.opts.log.error({ requestId, err: e instanceof Error ? e.message : String(e) }, 'audit append failed')
      code = 'InternalError'
      message = 'An internal error occurred; it was logged with this RequestId.'
    }
    this.opts.metrics.requests.inc({ action: 'Unknown', code })
    return { body: { Response: { Error: { Code: code, Message: message }, RequestId: requestId } }, action: 'Unknown', code, accountName: '', keyId: '', requestId }
  }
}
