import { createHash, createHmac } from 'node:crypto'

/**
 * Headers this provider signs, besides Tencent's required `content-type;host`: the Action (so a captured request
 * cannot be re-sent as another Action), the timestamp, and the per-request trace id (so that two identical calls,
 * or a retry, never share a signature — what a strict-mode server's replay cache needs). Tencent's signature v3
 * lets a client sign any further headers "to improve the uniqueness and security of the request".
 */
export const SIGNED_HEADERS = ['content-type', 'host', 'x-tc-action', 'x-tc-timestamp', 'x-tc-traceid'] as const

/** What one request's signature covers. */
export interface Tc3SigningInput {
  secretId: string
  secretKey: string
  /** Credential scope service: the endpoint's first label, as the Tencent SDKs derive it. */
  service: string
  timestamp: number
  /** Header name (lower case) → value as sent, for every name of {@link SIGNED_HEADERS} (`host`: the hostname). */
  headers: Readonly<Record<(typeof SIGNED_HEADERS)[number], string>>
  body: string | Uint8Array
}

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Uint8Array, data: string): Buffer => createHmac('sha256', key).update(data).digest()

/**
 * The `Authorization` value of a TC3-HMAC-SHA256 request (Tencent's signature v3): canonical request over POST /,
 * the signed headers with lower-cased, trimmed values in name order, and the body's SHA-256; signed with the key
 * derived from the SecretKey, the UTC date and the service.
 *
 * @example
 * ```ts
 * const authorization = tc3Authorization({ secretId, secretKey, service: 'kms', timestamp, headers, body })
 * ```
 */
export function tc3Authorization(input: Tc3SigningInput): string {
  const names = [...SIGNED_HEADERS].sort()
  const canonicalHeaders = names.map((n) => `${n}:${input.headers[n].trim().toLowerCase()}\n`).join('')
  const signedHeaders = names.join(';')
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n')
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10)
  const scope = `${date}/${input.service}/tc3_request`
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n')
  const signingKey = hmac(hmac(hmac(`TC3${input.secretKey}`, date), input.service), 'tc3_request')
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex')
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
}
