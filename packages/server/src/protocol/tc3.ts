import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { KeywardError } from '@keyward/core'

/** Parsed `Authorization: TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export interface Tc3Authorization {
  secretId: string
  date: string
  service: string
  signedHeaders: string[]
  signature: string
}

const AUTH =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]{1,128})\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9._-]{1,64})\/tc3_request, ?SignedHeaders=([a-z0-9;_-]{1,512}), ?Signature=([0-9a-f]{64})$/

/** Parses the Authorization header; InvalidAuthorization when it is not TC3-HMAC-SHA256. */
export function parseTc3Authorization(header: unknown): Tc3Authorization {
  const m = typeof header === 'string' && header.length <= 2048 ? AUTH.exec(header) : null
  if (!m)
    throw new KeywardError(
      'AuthFailure.InvalidAuthorization',
      'Authorization must be TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=..., Signature=<hex>.',
    )
  const signedHeaders = m[4]!.split(';')
  if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) {
    throw new KeywardError('AuthFailure.InvalidAuthorization', 'SignedHeaders must include content-type and host.')
  }
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders, signature: m[5]! }
}

/** UTC date (YYYY-MM-DD) of a Unix timestamp, as in the credential scope. */
export function scopeDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10)
}

/** What the signature covers, taken from the HTTP request as received. */
export interface SignedRequest {
  method: string
  path: string
  query: string
  /** Lower-case header names to values as received. */
  headers: Readonly<Record<string, string | string[] | undefined>>
  body: Uint8Array
  timestamp: number
}

function headerValue(headers: SignedRequest['headers'], name: string): string {
  const v = headers[name]
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim()
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/** The TC3 signature (hex) of `req` under `secretKey`, with `hostValue` as the canonical host. */
export function tc3Signature(auth: Tc3Authorization, req: SignedRequest, secretKey: string, hostValue: string): string {
  const canonicalHeaders = auth.signedHeaders
    .map(
      (h) =>
        `${h}:${h === 'host' ? hostValue : h === 'content-type' ? headerValue(req.headers, h) : headerValue(req.headers, h).toLowerCase()}\n`,
    )
    .join('')
  const canonicalRequest = [
    req.method,
    req.path,
    req.query,
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n')
  const scope = `${auth.date}/${auth.service}/tc3_request`
  const stringToSign = `TC3-HMAC-SHA256\n${req.timestamp}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`
  return createHmac('sha256', signingKey(secretKey, auth.date, auth.service))
    .update(stringToSign)
    .digest('hex')
}

// Derived signing keys change once a day per (SecretKey, service): caching them saves three HMACs per request.
const signingKeys = new Map<string, Buffer>()
function signingKey(secretKey: string, date: string, service: string): Buffer {
  const id = `${date}\0${service}\0${secretKey}`
  let k = signingKeys.get(id)
  if (!k) {
    k = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request')
    if (signingKeys.size >= 1_000) signingKeys.clear()
    signingKeys.set(id, k)
  }
  return k
}

/**
 * Verifies a TC3-HMAC-SHA256 signature. The SDKs sign `host` differently (the Node SDK: hostname without port;
 * others: host with port), so both forms of the received Host header are accepted — they name the same server.
 * The credential scope's service is whatever the client declared (the Node SDK uses the endpoint's first label).
 */
export function verifyTc3(auth: Tc3Authorization, req: SignedRequest, secretKey: string): void {
  if (auth.date !== scopeDate(req.timestamp)) {
    throw new KeywardError('AuthFailure.SignatureFailure', 'The credential scope date does not match X-TC-Timestamp.')
  }
  const host = headerValue(req.headers, 'host')
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
  const given = Buffer.from(auth.signature, 'hex')
  for (const candidate of hostname === host ? [host] : [hostname, host]) {
    const expected = Buffer.from(tc3Signature(auth, req, secretKey, candidate), 'hex')
    if (timingSafeEqual(expected, given)) return
  }
  throw new KeywardError('AuthFailure.SignatureFailure', 'The request signature does not match.')
}
