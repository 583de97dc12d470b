/**
 * Finding 4: requests refused before the API (oversize body 413, broken framing 400, unknown path 404, oversize
 * headers 431) answered in Fastify's shape and left no audit entry; failed authentications recorded no SecretId.
 * Now each answers in Tencent's `{"Response": {"Error", "RequestId"}}` and is audited with the SecretId it
 * claimed, never its signature.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, sdkClient, startAttackServer, type AttackServer } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

/** Writes `bytes` on a fresh connection and reads the whole answer. */
function rawExchange(
  port: number,
  bytes: string | Buffer,
): Promise<{ status: number; body: Record<string, unknown>; requestId: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('error', reject)
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', body = ''] = text.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      const requestId = /x-tc-requestid: (\S+)/i.exec(head)?.[1] ?? ''
      try {
        resolve({ status, body: JSON.parse(body) as Record<string, unknown>, requestId })
      } catch {
        reject(new Error(`not JSON: ${text.slice(0, 300)}`))
      }
    })
    s.end(bytes)
  })
}

const AUTH = `TC3-HMAC-SHA256 Credential=${ADMIN.secretId}/2025-01-01/kms/tc3_request, SignedHeaders=content-type;host, Signature=${'a'.repeat(64)}`

describe("attack 4: rejections answer in Tencent's shape and are audited", () => {
  let t: AttackServer
  beforeAll(async () => {
    t = await startAttackServer({ bodyLimit: 4096 })
  })
  afterAll(async () => {
    await t.close()
  })

  async function lastAudit() {
    await t.server.store.audit.drain()
    return (await t.server.store.audit.entries(0, 100_000)).at(-1)!
  }

  function expectTencent(r: { body: Record<string, unknown>; requestId: string }, code: string): void {
    const response = r.body['Response'] as { Error: { Code: string; Message: string }; RequestId: string }
    expect(Object.keys(r.body)).toEqual(['Response'])
    expect(response.Error.Code).toBe(code)
    expect(response.RequestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.requestId).toBe(response.RequestId)
  }

  it('an oversize body (413)', async () => {
    const body = JSON.stringify({ Plaintext: 'x'.repeat(10_000) })
    const r = await rawExchange(
      t.server.port,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: ${AUTH}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    )
    expect(r.status).toBe(200)
    expectTencent(r, 'InvalidParameter')
    expect(await lastAudit()).toMatchObject({
      action: 'Unknown',
      result: 'InvalidParameter',
      secretId: ADMIN.secretId,
      sourceIp: '127.0.0.1',
      requestId: r.requestId,
    })
  })

  it('broken framing (400): a bad chunk size, and a request line that is not HTTP', async () => {
    const chunked = await rawExchange(
      t.server.port,
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    )
    expect(chunked.status).toBe(400)
    expectTencent(chunked, 'InvalidParameter')
    expect(await lastAudit()).toMatchObject({
      action: 'Unknown',
      result: 'InvalidParameter',
      requestId: chunked.requestId,
    })
    const garbage = await rawExchange(t.server.port, 'GARBAGE\r\n\r\n')
    expect(garbage.status).toBe(400)
    expectTencent(garbage, 'InvalidParameter')
  })

  it('a URL that does not decode (400)', async () => {
    const r = await rawExchange(
      t.server.port,
      `POST /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    )
    expect(r.status).toBe(400)
    expectTencent(r, 'InvalidParameter')
    expect(await lastAudit()).toMatchObject({
      result: 'InvalidParameter',
      secretId: ADMIN.secretId,
      requestId: r.requestId,
    })
  })

  it('an unknown path (404)', async () => {
    for (const line of ['GET /admin HTTP/1.1', 'POST /v2/ HTTP/1.1']) {
      const r = await rawExchange(
        t.server.port,
        `${line}\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      )
      expect(r.status).toBe(404)
      expectTencent(r, 'InvalidAction')
      expect(await lastAudit()).toMatchObject({
        result: 'InvalidAction',
        secretId: ADMIN.secretId,
        requestId: r.requestId,
      })
    }
  })

  it('oversize headers (431)', async () => {
    const r = await rawExchange(
      t.server.port,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`,
    )
    expect(r.status).toBe(431)
    expectTencent(r, 'InvalidParameter')
    expect(await lastAudit()).toMatchObject({ action: 'Unknown', result: 'InvalidParameter', requestId: r.requestId })
  })

  it('a failed authentication records the SecretId that was tried, never the signature or the key', async () => {
    expect(await codeOf(sdkClient(t.url, ADMIN.secretId, 'not-the-secret-key-000000000000').ListKeys({}))).toBe(
      'AuthFailure.SignatureFailure',
    )
    expect(await lastAudit()).toMatchObject({
      accountId: '',
      secretId: ADMIN.secretId,
      action: 'ListKeys',
      result: 'AuthFailure.SignatureFailure',
    })
    expect(await codeOf(sdkClient(t.url, 'AKIDnobody0000000000000000000001', 'x'.repeat(32)).ListKeys({}))).toBe(
      'AuthFailure.SecretIdNotFound',
    )
    expect(await lastAudit()).toMatchObject({
      secretId: 'AKIDnobody0000000000000000000001',
      result: 'AuthFailure.SecretIdNotFound',
    })
    const dump = JSON.stringify(await t.server.store.db.all('SELECT * FROM srv_audit'))
    expect(dump).not.toContain('not-the-secret-key')
    expect(dump).not.toContain('a'.repeat(64))
  })
})
