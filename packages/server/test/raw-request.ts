import { request, type IncomingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'

interface Sign3Args {
  method?: string
  url?: string
  payload: unknown
  timestamp: number
  service: string
  secretId: string
  secretKey: string
  multipart: boolean
  boundary: string
  headers: Record<string, string>
}

// The SDK's own TC3 signer (CommonJS), so that hand-made requests are signed exactly as the SDK signs.
const require = createRequire(import.meta.url)
const Sign = (
  require('tencentcloud-sdk-nodejs/tencentcloud/common/sign.js') as { default: { sign3(a: Sign3Args): string } }
).default

export interface RawOptions {
  action?: string
  /** A JSON-able object, or exact body bytes/text. */
  body?: unknown
  secretId: string
  secretKey: string
  timestamp?: number
  service?: string
  /** Headers added or overriding the signed ones (after signing). */
  headers?: Record<string, string>
  /** URL whose hostname is signed (default: the URL sent to). */
  signUrl?: string
  /** Change the body after signing. */
  tamper?: (body: Buffer) => Buffer
}

/** A request signed with the SDK's signer, sent with fetch; returns HTTP status and parsed JSON (or text). */
export async function rawRequest(
  url: string,
  o: RawOptions,
): Promise<{
  status: number
  headers: IncomingHttpHeaders
  json:
    | { Response?: { Error?: { Code: string; Message: string }; RequestId?: string } & Record<string, unknown> }
    | undefined
  text: string
}> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000)
  const bodyBuf = Buffer.isBuffer(o.body)
    ? o.body
    : typeof o.body === 'string'
      ? Buffer.from(o.body)
      : Buffer.from(JSON.stringify(o.body ?? {}))
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-TC-Action': o.action ?? 'GetRegions',
    'X-TC-Version': '2019-01-18',
    'X-TC-Region': 'ap-guangzhou',
    'X-TC-Timestamp': String(timestamp),
  }
  headers['Authorization'] = Sign.sign3({
    method: 'POST',
    url: `${o.signUrl ?? url}/`,
    payload: bodyBuf,
    timestamp,
    service: o.service ?? '127',
    secretId: o.secretId,
    secretKey: o.secretKey,
    multipart: false,
    boundary: '',
    headers,
  })
  Object.assign(headers, o.headers ?? {})
  const { status, headers: replyHeaders, text } = await send(url, headers, o.tamper ? o.tamper(bodyBuf) : bodyBuf)
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status, headers: replyHeaders, json, text }
}

/** POST over node:http, which (unlike fetch) lets a test set any Host header. */
export function send(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/`,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
