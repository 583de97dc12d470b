import { randomUUID } from 'node:crypto'
import { KeywardError, isKeywardError, needs } from '@keyward/core'
import { ACTIONS } from './actions/index.js'
import { checkRequestParams } from './protocol/api-models.js'
import type { Params } from './protocol/params.js'
import { checkSupportedParams } from './protocol/unsupported-params.js'
import { RequestContext, type ServerServices } from './request-context.js'
import { collectingLegacyDecrypts } from './server-compliance.js'
import type { Account, NewAccount } from './store/accounts.js'

const ACTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/
const INTERNAL_ERROR_MESSAGE = 'An internal error occurred; it was logged with this RequestId.'

/** One request as both entry points hand it to the dispatcher. */
export interface DispatchInput {
  requestId: string
  /** The Action as the caller named it (checked here). */
  action: string
  /** Recorded in the audit entry: the client address, or `local`/`cli` for the embedded KMS. */
  sourceIp: string
  /** The SecretId the caller presented ('' when none): audited also when authentication fails. */
  secretId: string
  /** Who calls: TC3 authentication over HTTP, the data directory's account in-process. */
  authenticate(): Promise<Account>
  /** After authentication and the Action lookup, before any parameter is read: rate limits, fault injection. */
  admit?(account: Account, action: string): Promise<void>
  /** The request parameters (parsing the body may fail: InvalidParameter). */
  params(): Params
}

/** What the dispatcher answers: the Response object (with RequestId) and facts for logs and metrics. */
export interface DispatchOutcome {
  response: Record<string, unknown>
  /** `Success` or the error code. */
  code: string
  /** The Action when it exists, else `Unknown`. */
  action: string
  account: Account | undefined
  keyId: string
}

/** A request refused before it reached the API (body too large, broken framing, unknown path, TLS handshake). */
export interface Refusal {
  sourceIp: string
  code: string
  message: string
  /** The SecretId the request claimed ('' when none), audited (never its signature). */
  secretId: string
}

/**
 * The one path every Action takes, whether it came over HTTP (http-app.ts) or from the embedded CLI (openLocalKms,
 * through {@link InProcessKms}): authenticate, find the Action, admit, refuse parameters the Action does not define
 * (UnknownParameter) or that Keyward does not implement (UnsupportedOperation), run the handler (actions/*.ts, which
 * calls the provider), retire keys the provider no longer has, and append the audit entry (and one LegacyDecrypt
 * entry per legacy decryption the compliance escape hatch let through) before answering. Never throws.
 */
export class ActionDispatcher {
  constructor(
    private readonly services: ServerServices,
    private readonly onUnexpectedError: (error: unknown, requestId: string) => void,
  ) {}

  async dispatch(input: DispatchInput): Promise<DispatchOutcome> {
    const { requestId } = input
    let account: Account | undefined
    let ctx: RequestContext | undefined
    let response: Record<string, unknown>
    let code = 'Success'
    const known = Object.prototype.hasOwnProperty.call(ACTIONS, input.action)
    try {
      account = await input.authenticate()
      needs(ACTION_NAME.test(input.action), 'InvalidAction', 'Not a valid Action name.')
      const handler = known ? ACTIONS[input.action] : undefined
      if (!handler) throw new KeywardError('InvalidAction', `The Action ${input.action} does not exist.`)
      await input.admit?.(account, input.action)
      const params = input.params()
      needs(
        params !== null && typeof params === 'object' && !Array.isArray(params),
        'InvalidParameter',
        'The request must be a JSON object.',
      )
      checkRequestParams(input.action, params)
      checkSupportedParams(input.action, params)
      const c = new RequestContext(this.services, this.services.provider, account, input.action, requestId)
      ctx = c
      response = {
        ...(await collectingLegacyDecrypts(c.legacyDecrypts, () => handler(c, params))),
        RequestId: requestId,
      }
    } catch (e) {
      const err = this.#errorOf(e, requestId)
      code = err.code
      response = { Error: { Code: err.code, Message: err.message }, RequestId: requestId }
      if (ctx && isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) await this.#retireIfGone(ctx.keyId)
    }
    const keyId = ctx?.keyId ?? ''
    try {
      // Each legacy decryption the escape hatch let through is an entry of its own, before the request's.
      for (const e of ctx?.legacyDecrypts ?? []) {
        await this.services.store.audit.append({
          time: Date.now(),
          accountId: account?.accountId ?? '',
          secretId: account?.secretId ?? input.secretId,
          action: 'LegacyDecrypt',
          keyId: e.keyId,
          result: 'Success',
          requestId,
          sourceIp: input.sourceIp,
        })
      }
      await this.services.store.audit.append({
        time: Date.now(),
        accountId: account?.accountId ?? '',
        secretId: account?.secretId ?? input.secretId,
        action: known ? input.action : 'Unknown',
        keyId,
        result: code,
        requestId,
        sourceIp: input.sourceIp,
      })
    } catch (e) {
      // A request whose audit entry cannot be written must not report success.
      const err = this.#errorOf(e, requestId)
      code = 'InternalError'
      response = { Error: { Code: 'InternalError', Message: err.message }, RequestId: requestId }
    }
    return { response, code, action: known ? input.action : 'Unknown', account, keyId }
  }

  /**
   * A key the server still records as owned but the provider no longer has (purged after its deletion window,
   * or lost) is retired: tombstone, grants and policy references gone in one transaction.
   */
  async #retireIfGone(keyId: string): Promise<void> {
    try {
      if (!keyId || !(await this.services.store.owners.get(keyId))) return
      const gone = await this.services.provider.describeKey(keyId).then(
        () => false,
        (e: unknown) => isKeywardError(e, 'ResourceUnavailable.CmkNotFound'),
      )
      if (gone) await this.services.store.retireKey(keyId, Math.floor(this.services.clock.now() / 1000))
    } catch (e) {
      // The answer stands; the next request that meets the missing key tries again.
      this.onUnexpectedError(e, '')
    }
  }

  /**
   * A request refused before it reached the API: audited with the SecretId it claimed and answered in Tencent's
   * error shape (InternalError when even the audit entry cannot be written). Never throws.
   */
  async refuse(info: Refusal): Promise<{ response: Record<string, unknown>; code: string; requestId: string }> {
    const requestId = randomUUID()
    let { code, message } = info
    try {
      await this.services.store.audit.append({
        time: Date.now(),
        accountId: '',
        secretId: info.secretId,
        action: 'Unknown',
        keyId: '',
        result: code,
        requestId,
        sourceIp: info.sourceIp,
      })
    } catch (e) {
      this.onUnexpectedError(e, requestId)
      code = 'InternalError'
      message = INTERNAL_ERROR_MESSAGE
    }
    return { response: { Error: { Code: code, Message: message }, RequestId: requestId }, code, requestId }
  }

  #errorOf(e: unknown, requestId: string): { code: string; message: string } {
    if (isKeywardError(e)) return { code: e.code, message: e.message }
    this.onUnexpectedError(e, requestId)
    return { code: 'InternalError', message: INTERNAL_ERROR_MESSAGE }
  }
}

/**
 * The in-process door to {@link ActionDispatcher} (the LocalKms that openLocalKms returns and `keyward kms` calls):
 * every Action runs as one account, without TC3 or rate limits — the caller already holds the data directory and its
 * root key.
 */
export class InProcessKms {
  #closed = false

  constructor(
    private readonly dispatcher: ActionDispatcher,
    readonly account: Account,
    readonly initialAccount: NewAccount | undefined,
    /** Recorded as each audit entry's source (`local`, `cli`). */
    private readonly source: string,
    /** Closes what openLocalKms opened: stores, the provider it owns, the root-key box. */
    private readonly release: () => Promise<void>,
  ) {}

  async call(action: string, params: Params): Promise<{ Response: Record<string, unknown> }> {
    const requestId = randomUUID()
    if (this.#closed) {
      return {
        Response: {
          Error: { Code: 'FailedOperation.ProviderUnavailable', Message: 'This LocalKms is closed.' },
          RequestId: requestId,
        },
      }
    }
    const out = await this.dispatcher.dispatch({
      requestId,
      action: typeof action === 'string' ? action : '',
      sourceIp: this.source,
      secretId: this.account.secretId,
      authenticate: async () => this.account,
      params: () => params,
    })
    return { Response: out.response }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.release()
  }
}
