import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '@keyward/core'
import { sdkClient, startTestServer, type TestServer } from './server-harness.js'
import { rawRequest } from './raw-request.js'
import { codeOf } from '@keyward/test-support'

const ADMIN = { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' }

describe('TC3-HMAC-SHA256 authentication', () => {
  let t: TestServer
  const clock = new ManualClock(Date.now())
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true, clock })
  })
  afterAll(async () => {
    await t.close()
  })

  it("accepts the SDK (signed host = hostname, service = endpoint's first label)", async () => {
    clock.set(Date.now())
    expect((await t.admin.GetRegions()).Regions).toEqual(['ap-guangzhou'])
  })

  it('wrong SecretKey → AuthFailure.SignatureFailure; unknown SecretId → AuthFailure.SecretIdNotFound', async () => {
    clock.set(Date.now())
    expect(await codeOf(sdkClient(t.server.url, ADMIN.secretId, 'wrong-secret-key-000000000000000').GetRegions())).toBe(
      'AuthFailure.SignatureFailure',
    )
    expect(
      await codeOf(sdkClient(t.server.url, 'AKIDunknown000000000000000000000', ADMIN.secretKey).GetRegions()),
    ).toBe('AuthFailure.SecretIdNotFound')
  })

  it('clock skew over 300 s → AuthFailure.SignatureExpire; within it is fine', async () => {
    clock.set(Date.now() + 301_000)
    expect(await codeOf(t.admin.GetRegions())).toBe('AuthFailure.SignatureExpire')
    clock.set(Date.now() - 301_000)
    expect(await codeOf(t.admin.GetRegions())).toBe('AuthFailure.SignatureExpire')
    clock.set(Date.now() + 250_000)
    await t.admin.GetRegions()
    clock.set(Date.now())
  })

  it('a body changed after signing, or a different Host, fails the signature', async () => {
    clock.set(Date.now())
    const ok = await rawRequest(t.server.url, { ...ADMIN, action: 'GenerateRandom', body: { NumberOfBytes: 16 } })
    expect(ok.json?.Response?.Error).toBeUndefined()
    const tampered = await rawRequest(t.server.url, {
      ...ADMIN,
      action: 'GenerateRandom',
      body: { NumberOfBytes: 16 },
      tamper: () => Buffer.from('{"NumberOfBytes":32}'),
    })
    expect(tampered.json?.Response?.Error?.Code).toBe('AuthFailure.SignatureFailure')
    const otherHost = await rawRequest(t.server.url, { ...ADMIN, body: {}, headers: { Host: 'kms.example.com' } })
    expect(otherHost.json?.Response?.Error?.Code).toBe('AuthFailure.SignatureFailure')
    const action = await rawRequest(t.server.url, { ...ADMIN, body: {}, headers: { 'Content-Type': 'text/plain' } })
    expect(action.json?.Response?.Error?.Code).toBe('AuthFailure.SignatureFailure')
  })

  it('any declared service label in the scope is accepted (tccli signs with "kms")', async () => {
    const r = await rawRequest(t.server.url, { ...ADMIN, service: 'kms', body: {} })
    expect(r.json?.Response?.Regions).toEqual(['ap-guangzhou'])
  })

  it("a scope date other than the timestamp's day fails", async () => {
    // Signed for yesterday's timestamp but sent with today's: the scope date no longer matches.
    const yesterday = Math.floor(Date.now() / 1000) - 86_400
    const r = await rawRequest(t.server.url, {
      ...ADMIN,
      body: {},
      timestamp: yesterday,
      headers: { 'X-TC-Timestamp': String(Math.floor(Date.now() / 1000)) },
    })
    expect(r.json?.Response?.Error?.Code).toBe('AuthFailure.SignatureFailure')
  })

  it('malformed Authorization, missing or bad headers get their codes', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ Authorization: 'Basic abc' }, 'AuthFailure.InvalidAuthorization'],
      [
        {
          Authorization:
            'TC3-HMAC-SHA256 Credential=x/2020-01-01/kms/tc3_request, SignedHeaders=host, Signature=' + '0'.repeat(64),
        },
        'AuthFailure.InvalidAuthorization',
      ],
      [{ 'X-TC-Version': '2017-03-12' }, 'InvalidParameterValue'],
      [{ 'X-TC-Action': '' }, 'MissingParameter'],
      [{ 'X-TC-Action': 'Bad-Action!' }, 'InvalidAction'],
      [{ 'X-TC-Timestamp': 'yesterday' }, 'InvalidParameterValue'],
    ]
    for (const [headers, code] of cases) {
      const r = await rawRequest(t.server.url, { ...ADMIN, body: {}, headers })
      expect(r.status, JSON.stringify(headers)).toBe(200)
      expect(r.json?.Response?.Error?.Code, JSON.stringify(headers)).toBe(code)
      expect(r.json?.Response?.RequestId).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('Python-SDK/tccli style: host:port signed, x-tc-action signed lower-case', async () => {
    // Written from Tencent's TC3 documentation, independent of the server's verifier.
    const { createHash, createHmac } = await import('node:crypto')
    const { send } = await import('./raw-request.js')
    const host = t.server.url.slice('http://'.length)
    const ts = Math.floor(Date.now() / 1000)
    const date = new Date(ts * 1000).toISOString().slice(0, 10)
    const body = Buffer.from('{}')
    const sha = (x: string | Buffer): string => createHash('sha256').update(x).digest('hex')
    const canonical = `POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:${host}\nx-tc-action:getregions\n\ncontent-type;host;x-tc-action\n${sha(body)}`
    const toSign = `TC3-HMAC-SHA256\n${ts}\n${date}/kms/tc3_request\n${sha(canonical)}`
    const h = (k: Buffer | string, m: string): Buffer => createHmac('sha256', k).update(m).digest()
    const signature = createHmac('sha256', h(h(h(`TC3${ADMIN.secretKey}`, date), 'kms'), 'tc3_request'))
      .update(toSign)
      .digest('hex')
    const r = await send(
      t.server.url,
      {
        'Content-Type': 'application/json; charset=utf-8',
        Host: host,
        'X-TC-Action': 'GetRegions',
        'X-TC-Version': '2019-01-18',
        'X-TC-Timestamp': String(ts),
        Authorization: `TC3-HMAC-SHA256 Credential=${ADMIN.secretId}/${date}/kms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=${signature}`,
      },
      body,
    )
    expect(JSON.parse(r.text).Response.Regions).toEqual(['ap-guangzhou'])
  })

  it("the signed host is the Host header's hostname, whatever name the client used", async () => {
    const { port } = t.server
    const r = await rawRequest(t.server.url, {
      ...ADMIN,
      body: {},
      signUrl: `http://kms.internal:${port}`,
      headers: { Host: `kms.internal:${port}` },
    })
    expect(r.json?.Response?.Regions).toEqual(['ap-guangzhou'])
    const wrong = await rawRequest(t.server.url, {
      ...ADMIN,
      body: {},
      signUrl: `http://kms.internal:${port}`,
      headers: { Host: `kms.other:${port}` },
    })
    expect(wrong.json?.Response?.Error?.Code).toBe('AuthFailure.SignatureFailure')
  })
})
