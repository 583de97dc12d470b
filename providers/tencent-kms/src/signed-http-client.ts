import { randomUUID } from 'node:crypto'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { TencentCredentials } from './credentials.js'
import {
  perRegion,
  type KmsClient,
  type KmsClientSupplier,
  type KmsRequestOptions,
  type KmsResponse,
} from './kms-client.js'
import { tc3Authorization } from './tc3-signing.js'

/** How to reach Tencent KMS (or a compatible endpoint such as `keyward serve`). */
export interface SignedHttpOptions {
  credentials: TencentCredentials
  /** host[:port]. */
  endpoint: string
  protocol: 'https' | 'http'
  /** Per-request timeout, ms. */
  requestTimeoutMs: number
  /** Extra trusted CA certificates (PEM) for https, e.g. the CA of a private `keyward serve`. */
  ca?: string | Buffer
}

/** What Tencent's SDK throws, field for field (`mapTencentError` reads it structurally). */
class TencentApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    readonly httpCode?: number,
  ) {
    super(message)
    this.name = 'TencentApiError'
  }
}

const API_VERSION = '2019-01-18'
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024

/** The SDKs leave null and undefined fields out of the JSON body; so does this client. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutNulls(v)]),
  )
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'))
      else chunks.push(c)
    })
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', reject)
  })
}

/**
 * A KMS client that signs each request itself (TC3-HMAC-SHA256 over content-type, host, x-tc-action,
 * x-tc-timestamp and x-tc-traceid), so that it is accepted by a `keyward serve` in strict mode as well as by
 * Tencent KMS; the stock SDK signs only content-type and host. Errors take the SDK's shape (code, requestId,
 * httpCode; node's network messages; `network timeout at: <url>` on timeout) so that one error mapping serves both.
 */
class SignedHttpClient implements KmsClient {
  readonly #url: URL
  readonly #service: string

  constructor(
    private readonly region: string,
    private readonly options: SignedHttpOptions,
  ) {
    this.#url = new URL(`${options.protocol}://${options.endpoint}/`)
    this.#service = options.endpoint.split('.')[0] ?? 'kms'
  }

  async request(
    action: string,
    req: Readonly<Record<string, unknown>>,
    options: KmsRequestOptions,
  ): Promise<KmsResponse> {
    const { credentials } = this.options
    const body = JSON.stringify(withoutNulls(req))
    const timestamp = Math.floor(Date.now() / 1000)
    const signed = {
      'content-type': 'application/json',
      host: this.#url.hostname,
      'x-tc-action': action,
      'x-tc-timestamp': String(timestamp),
      'x-tc-traceid': randomUUID(),
    }
    const authorization = tc3Authorization({
      secretId: credentials.secretId,
      secretKey: credentials.secretKey.reveal(),
      service: this.#service,
      timestamp,
      headers: signed,
      body,
    })
    const headers: Record<string, string> = {
      'Content-Type': signed['content-type'],
      'X-TC-Action': action,
      'X-TC-Timestamp': signed['x-tc-timestamp'],
      'X-TC-TraceId': signed['x-tc-traceid'],
      'X-TC-Version': API_VERSION,
      'X-TC-Region': this.region,
      'X-TC-RequestClient': 'keyward-tencent-kms',
      Authorization: authorization,
      'Content-Length': String(Buffer.byteLength(body)),
      ...(credentials.sessionToken ? { 'X-TC-Token': credentials.sessionToken.reveal() } : {}),
    }
    const res = await this.#send(headers, body, options)
    const text = await readBody(res)
    const requestIdHeader = res.headers['x-tc-requestid']
    if (res.statusCode !== 200) {
      throw new TencentApiError(
        res.statusMessage ?? '',
        undefined,
        typeof requestIdHeader === 'string' ? requestIdHeader : undefined,
        res.statusCode,
      )
    }
    let parsed: { Response?: { Error?: { Code?: string; Message?: string }; RequestId?: string } & KmsResponse }
    try {
      parsed = JSON.parse(text) as typeof parsed
    } catch {
      throw new TencentApiError(`invalid json response body at ${this.#url.href}`, undefined, undefined)
    }
    const response = parsed?.Response
    if (!response || typeof response !== 'object')
      throw new TencentApiError('the response has no Response object', undefined, undefined)
    if (response.Error)
      throw new TencentApiError(
        String(response.Error.Message ?? ''),
        String(response.Error.Code ?? ''),
        response.RequestId,
      )
    return response
  }

  #send(headers: Record<string, string>, body: string, options: KmsRequestOptions): Promise<IncomingMessage> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs
    const send = this.options.protocol === 'https' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = send(
        this.#url,
        {
          method: 'POST',
          headers,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(this.options.protocol === 'https' && this.options.ca ? { ca: this.options.ca } : {}),
        },
        resolve,
      )
      // The message node-fetch gives a timeout, which the error mapping and retry policy already know.
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`network timeout at: ${this.#url.href}`)))
      // As node-fetch words it ("request to <url> failed, reason: ..."), with the errno code spelled out: on Node 20
      // a refused connection can be an AggregateError with an empty message.
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (options.signal?.aborted) return reject(e)
        const error = new Error(
          `request to ${this.#url.href} failed, reason: ${[e.code, e.message].filter(Boolean).join(' ')}`,
        )
        reject(Object.assign(error, { cause: e }))
      })
      req.end(body)
    })
  }

  toJSON(): { region: string; endpoint: string } {
    return { region: this.region, endpoint: this.options.endpoint }
  }
}

/**
 * A supplier of {@link SignedHttpClient}s, one per region: the provider's default transport.
 *
 * @example
 * ```ts
 * const endpoint = 'kms.tencentcloudapi.com'
 * const supplier = signedClientSupplier({ credentials, endpoint, protocol: 'https', requestTimeoutMs: 10_000 })
 * ```
 */
export function signedClientSupplier(options: SignedHttpOptions): KmsClientSupplier {
  return perRegion((region) => new SignedHttpClient(region, options))
}
