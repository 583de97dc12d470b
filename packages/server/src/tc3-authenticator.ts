import { KeywardError, needs, unixSeconds } from '@keyward/core'
import type { ReplayCache } from './cluster/replay-cache.js'
import { parseTc3Authorization, verifyTc3, type SignedRequest } from './protocol/tc3.js'
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

/** How requests are checked beyond the TC3 signature itself. */
export interface Tc3AuthenticatorOptions {
  /**
   * Strict mode: `x-tc-action` must be among the SignedHeaders (so a request cannot be re-sent as another Action)
   * and a signature is accepted once (so a captured request cannot be replayed). Stock SDKs sign neither.
   */
  strictSigning: boolean
  replayCache: ReplayCache
}

/** The first value of a request header. */
export function header(req: Pick<SignedRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** The SecretId an Authorization header names (for the audit of a failed authentication), or ''. */
export function claimedSecretId(authorization: string | undefined): string {
  const m =
    typeof authorization === 'string' ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization.slice(0, 2048)) : null
  return m?.[1] ?? ''
}

/**
 * Who sent an HTTP request: the X-TC-* headers, TC3-HMAC-SHA256 over the exact body bytes with the account's
 * SecretKey, the ±300 s clock window and, in strict mode, the signed Action and the replay cache. What the HTTP
 * entry hands to {@link ActionDispatcher} as `authenticate`.
 */
export class Tc3Authenticator {
  constructor(
    private readonly services: ServerServices,
    private readonly opts: Tc3AuthenticatorOptions,
  ) {}

  /** The account whose SecretKey signed `req`; a KeywardError (AuthFailure.*, MissingParameter, …) otherwise. */
  async authenticate(req: KmsHttpRequest): Promise<Account> {
    const { timestamp } = parseHeaders(req)
    const auth = parseTc3Authorization(header(req, 'authorization'))
    if (this.opts.strictSigning && !auth.signedHeaders.includes('x-tc-action')) {
      throw new KeywardError(
        'AuthFailure.InvalidAuthorization',
        'This server runs in strict mode: SignedHeaders must include x-tc-action (stock SDKs do not sign it; see the server README).',
      )
    }
    const found = await this.services.store.accounts.bySecretId(auth.secretId)
    if (!found) throw new KeywardError('AuthFailure.SecretIdNotFound', 'The SecretId does not exist.')
    const now = unixSeconds(this.services.clock)
    const skew = Math.abs(now - timestamp)
    if (skew > MAX_SKEW_SECONDS)
      throw new KeywardError(
        'AuthFailure.SignatureExpire',
        `The request timestamp is ${skew} s off the server clock (limit ${MAX_SKEW_SECONDS} s).`,
      )
    verifyTc3(auth, { ...req, timestamp }, found.secretKey)
    // Only verified signatures enter the cache, so nobody can fill it with garbage or block a signature in advance.
    if (
      this.opts.strictSigning &&
      !(await this.opts.replayCache.firstUse(auth.signature, timestamp + MAX_SKEW_SECONDS, now))
    ) {
      throw new KeywardError(
        'AuthFailure.SignatureFailure',
        'This signature was already used: strict mode accepts each signed request once.',
      )
    }
    return found.account
  }
}

function parseHeaders(req: KmsHttpRequest): { action: string; timestamp: number } {
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
