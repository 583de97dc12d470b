import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server-harness.js'
import { rawRequest, send } from './raw-request.js'

const ADMIN = { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' }

describe('HTTP surface', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true, bodyLimit: 16 * 1024 })
  })
  afterAll(async () => {
    await t.close()
  })

  it('GET /healthz and GET /metrics (Prometheus text with per-Action counters)', async () => {
    await t.admin.GetRegions()
    const h = await fetch(`${t.server.url}/healthz`)
    expect(h.status).toBe(200)
    expect(await h.json()).toEqual({ status: 'ok' })
    const m = await fetch(`${t.server.url}/metrics`)
    const text = await m.text()
    expect(text).toMatch(/keyward_kms_requests_total\{action="GetRegions",code="Success"\} \d+/)
    expect(text).toContain('keyward_kms_request_duration_seconds_bucket')
  })

  it('signed but malformed bodies are InvalidParameter', async () => {
    for (const body of ['{', '[1]', 'null', '"x"', '\u0000']) {
      const r = await rawRequest(t.server.url, { ...ADMIN, action: 'GetRegions', body })
      expect(r.json?.Response?.Error?.Code, body).toBe('InvalidParameter')
    }
  })

  it('a body over the limit gets a Tencent-shaped error and the server stays up', async () => {
    const r = await send(
      t.server.url,
      { 'Content-Type': 'application/json', 'X-TC-Action': 'Encrypt' },
      Buffer.alloc(64 * 1024, 0x20),
    )
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).Response.Error.Code).toBe('InvalidParameter')
    expect((await t.admin.GetRegions()).Regions).toEqual(['ap-guangzhou'])
  })

  it('a request without Content-Type, or with a bogus Content-Length framing, still gets a Tencent error', async () => {
    const r = await send(t.server.url, { 'X-TC-Action': 'GetRegions' }, Buffer.from('{}'))
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).Response.Error.Code).toBe('MissingParameter')
    const { connect } = await import('node:net')
    const sock = connect(t.server.port, '127.0.0.1')
    const reply = await new Promise<string>((resolve) => {
      let data = ''
      sock.on('data', (c: Buffer) => {
        data += c.toString()
      })
      sock.on('close', () => resolve(data))
      sock.on('error', () => resolve(data))
      sock.end('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}')
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    expect((await t.admin.GetRegions()).Regions).toEqual(['ap-guangzhou'])
  })

  it('other paths and methods are 404 with a Tencent-shaped body', async () => {
    const r = await fetch(`${t.server.url}/nope`)
    expect(r.status).toBe(404)
    expect(((await r.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe('InvalidAction')
  })

  it('responses carry the RequestId header and JSON content type', async () => {
    // A success, an Action's refusal and an unauthenticated rejection: each names its RequestId twice, the same.
    for (const [body, action, code] of [
      [{}, 'GetRegions', undefined],
      [{}, 'Encrypt', 'MissingParameter'],
      [{ KeyId: 'x' }, 'DescribeKey', 'AuthFailure.SecretIdNotFound'],
    ] as const) {
      const creds =
        code === 'AuthFailure.SecretIdNotFound' ? { ...ADMIN, secretId: 'AKIDnobody0000000000000000000000' } : ADMIN
      const r = await rawRequest(t.server.url, { ...creds, action, body })
      expect(r.json?.Response?.Error?.Code, action).toBe(code)
      expect(r.json?.Response?.RequestId).toMatch(/^[0-9a-f-]{36}$/)
      expect(r.headers['x-tc-requestid'], action).toBe(r.json?.Response?.RequestId)
      expect(r.headers['content-type'], action).toMatch(/^application\/json(;|$)/)
    }
  })
})
