import { randomUUID } from 'node:crypto'
import { KeywardError, isKeywardError, needs, unixSeconds } from '@keyward/core'
import { ACTIONS } from './actions/index.js'
import { injectFault, type FaultOptions } from './faults.js'
import type { ServerMetrics } from './metrics.js'
import { parseTc3Authorization, verifyTc3, type SignedRequest } from './protocol/tc3.js'
import type { Params } from './protocol/params.js'
import type { RateLimiter } from './rate-limiter.js'
import { RequestContext, type ServerServices } from './request-context.js'
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
  error(obj: object, msg: string): void
}

const ACTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/

function header(req: Pick<SignedRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Maps anything thrown to a Tencent error code and a message safe to return. */
function errorOf(e: unknown, log: KmsLogger, requestId: string): { code: string; message: string } {
  if (isKeywardError(e)) return { code: e.code, message: e.message }
  log.error({ requestId, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, 'unexpected error')
  return { code: 'InternalError', message: 'An internal error occurred; it was logged with this RequestId.' }
}

/**
 * The KMS API over HTTP-independent input: authenticates (TC3-HMAC-SHA256), rate-limits, injects faults when
 * configured, dispatches the Action, and appends the audit entry before answering.
 */
export class KmsService {
  constructor(
    private readonly services: ServerServices,
    private readonly limiter: RateLimiter,
    private readonly metrics: ServerMetrics,
    private readonly log: KmsLogger,
    private readonly faults: FaultOptions | undefined,
  ) {}

  private async authenticate(req: SignedRequest): Promise<Account> {
    const auth = parseTc3Authorization(header(req, 'authorization'))
    const found = await this.services.store.accounts.bySecretId(auth.secretId)
    if (!found) throw new KeywardError('AuthFailure.SecretIdNotFound', 'The SecretId does not exist.')
    const skew = Math.abs(unixSeconds(this.services.clock) - req.timestamp)
    if (skew > MAX_SKEW_SECONDS) throw new KeywardError('AuthFailure.SignatureExpire', `The request timestamp is ${skew} s off the server clock (limit ${MAX_SKEW_SECONDS} s).`)
    verifyTc3(auth, req, found.secretKey)
    return found.account
  }

  private parseHeaders(req: KmsHttpRequest): { action: string; timestamp: number } {
    const action = header(req, 'x-tc-action')
    needs(action !== undefined && action !== '', 'MissingParameter', 'The X-TC-Action header is required.')
    needs(ACTION_NAME.test(action), 'InvalidAction', 'X-TC-Action is not a valid Action name.')
    const version = header(req, 'x-tc-version')
    needs(version !== undefined && version !== '', 'MissingParameter', 'The X-TC-Version header is required.')
    needs(version === API_VERSION, 'InvalidParameterValue', `X-TC-Version must be ${API_VERSION}.`)
    const ts = header(req, 'x-tc-timestamp')
    needs(ts !== undefined && ts !== '', 'MissingParameter', 'The X-TC-Timestamp header is required.')
    needs(/^\d{1,12}$/.test(ts), 'InvalidParameterValue', 'X-TC-Timestamp must be Unix seconds.')
    return { action, timestamp: Number(ts) }
  }

  private parseBody(body: Uint8Array): Params {
    let parsed: unknown
    try {
      parsed = body.byteLength === 0 ? {} : JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
    } catch (e) {
      throw new KeywardError('InvalidParameter', 'The request body is not valid JSON.', { cause: e })
    }
    needs(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), 'InvalidParameter', 'The request body must be a JSON object.')
    return parsed as Params
  }

  /** Handles one request; never throws. */
  async handle(req: KmsHttpRequest): Promise<KmsOutcome> {
    const started = performance.now()
    const requestId = randomUUID()
    let action = 'Unknown'
    let account: Account | undefined
    let ctx: RequestContext | undefined
    let response: Record<string, unknown>
    let code = 'Success'
    try {
      const parsed = this.parseHeaders(req)
      action = parsed.action
      account = await this.authenticate({ ...req, timestamp: parsed.timestamp })
      const handler = Object.prototype.hasOwnProperty.call(ACTIONS, action) ? ACTIONS[action] : undefined
      if (!handler) throw new KeywardError('InvalidAction', `The Action ${action} does not exist.`)
      this.limiter.take(account.accountId, action)
      await injectFault(this.faults)
      const params = this.parseBody(req.body)
      ctx = new RequestContext(this.services, account, action, requestId)
      response = { ...(await handler(ctx, params)), RequestId: requestId }
    } catch (e) {
      const err = errorOf(e, this.log, requestId)
      code = err.code
      response = { Error: { Code: err.code, Message: err.message }, RequestId: requestId }
    }
    const known = Object.prototype.hasOwnProperty.call(ACTIONS, action)
    const keyId = ctx?.keyId ?? ''
    try {
      await this.services.store.audit.append({
        time: Date.now(), accountId: account?.accountId ?? '', action: known ? action : 'Unknown', keyId, result: code, requestId, sourceIp: req.sourceIp,
      })
    } catch (e) {
      // A request whose audit entry cannot be written must not report success.
      const err = errorOf(e, this.log, requestId)
      code = 'InternalError'
      response = { Error: { Code: 'InternalError', Message: err.message }, RequestId: requestId }
    }
    const label = known ? action : 'Unknown'
    this.metrics.requests.inc({ action: label, code })
    this.metrics.duration.observe({ action: label }, (performance.now() - started) / 1000)
    return { body: { Response: response }, action: label, code, accountName: account?.name ?? '', keyId, requestId }
  }
}
