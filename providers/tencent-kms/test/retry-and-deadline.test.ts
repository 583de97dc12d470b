import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError } from '@keyward/core'
import { TencentKmsKeyProvider, type AttemptEvent } from '@keyward/provider-tencent-kms'
import { apiError, ok, startStubKms, stubProvider, type StubKms } from './stub-kms-server.js'

let stub: StubKms
beforeAll(async () => {
  stub = await startStubKms(() => ok())
})
afterAll(() => stub.close())

const describeOk = ok({ KeyMetadata: { KeyId: 'key-1', KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT' } })

async function caught(p: Promise<unknown>): Promise<KeywardError> {
  const e = await p.then(
    () => expect.unreachable('the call should fail'),
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(KeywardError)
  return e as KeywardError
}

describe('retry', () => {
  it('retries transient failures and then succeeds, each attempt signed anew', async () => {
    stub.setHandler((_req, i) =>
      i % 3 === 2 ? describeOk : i % 3 === 0 ? apiError('RequestLimitExceeded') : { status: 503, json: {} },
    )
    const first = stub.requests.length
    const events: AttemptEvent[] = []
    const kms = stubProvider(stub, { onAttempt: (e) => events.push(e) })
    const meta = await kms.describeKey('key-1')
    expect(meta.keyId).toBe('key-1')
    expect(events.map((e) => e.result)).toEqual(['RequestLimitExceeded', 'InternalError', 'Success'])
    expect(kms.stats).toEqual({ calls: 1, attempts: 3, failures: 0 })
    // Every attempt is signed afresh (its own timestamp and trace id), so no two attempts share a signature: a
    // strict-mode server's replay cache never mistakes a retry for a replay.
    const sent = stub.requests.slice(first)
    expect(sent).toHaveLength(3)
    for (const r of sent) {
      expect(r.headers.authorization).toMatch(
        /^TC3-HMAC-SHA256 Credential=AKIDstubstubstub\/\d{4}-\d{2}-\d{2}\/127\/tc3_request, SignedHeaders=content-type;host;x-tc-action;x-tc-timestamp;x-tc-traceid, Signature=[0-9a-f]{64}$/,
      )
      expect(Math.abs(Number(r.headers['x-tc-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
      expect(r.headers['x-tc-region']).toBe('ap-guangzhou')
    }
    expect(new Set(sent.map((r) => r.headers.authorization)).size).toBe(3)
  })

  it('stops at maxAttempts for a persistent transient fault', async () => {
    stub.setHandler(() => apiError('InternalError'))
    const kms = stubProvider(stub, { retry: { maxAttempts: 4 } })
    const e = await caught(kms.describeKey('key-1'))
    expect(e.code).toBe('InternalError')
    expect(kms.stats).toEqual({ calls: 1, attempts: 4, failures: 1 })
  })

  it('returns a non-retryable error after exactly one attempt', async () => {
    stub.setHandler(() => apiError('InvalidParameterValue.InvalidKeyId'))
    const before = stub.requests.length
    const kms = stubProvider(stub)
    const e = await caught(kms.encrypt({ keyId: 'key-1', plaintext: Buffer.from('x') }))
    expect(e.code).toBe('InvalidParameterValue.InvalidKeyId')
    expect(stub.requests.length - before).toBe(1)
  })

  it('does not repeat a CreateKey whose answer was lost (it may have been made), but does after throttling', async () => {
    stub.setHandler(() => ({ reset: true }))
    const kms = stubProvider(stub)
    const e = await caught(kms.createKey({ alias: 'orders' }))
    expect(e.code).toBe('FailedOperation.NetworkError')
    expect(kms.stats.attempts).toBe(1)
    let throttled = false
    stub.setHandler(() => {
      if (!throttled) return ((throttled = true), apiError('RequestLimitExceeded'))
      return ok({
        KeyId: 'k-new',
        Alias: 'orders',
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        CreateTime: 1700000000,
      })
    })
    const kms2 = stubProvider(stub)
    const meta = await kms2.createKey({ alias: 'orders' })
    expect(meta).toMatchObject({ keyId: 'k-new', alias: 'orders', keyState: 'Enabled', createTime: 1700000000 })
    expect(kms2.stats.attempts).toBe(2)
  })

  it('stops retrying when the deadline would pass during the next wait', async () => {
    stub.setHandler(() => apiError('RequestLimitExceeded'))
    const kms = stubProvider(stub, { retry: { maxAttempts: 100, initialDelayMs: 50, maxDelayMs: 50, deadlineMs: 400 } })
    const started = Date.now()
    const e = await caught(kms.describeKey('key-1'))
    expect(['RequestLimitExceeded', 'FailedOperation.Timeout']).toContain(e.code)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(kms.stats.attempts).toBeLessThan(100)
  })
})

describe('hooks and client supplier', () => {
  it('a throwing onAttempt hook does not change the outcome', async () => {
    stub.setHandler(() => describeOk)
    const kms = stubProvider(stub, {
      onAttempt: () => {
        throw new Error('metrics backend down')
      },
    })
    await expect(kms.describeKey('key-1')).resolves.toMatchObject({ keyId: 'key-1' })
  })

  it('the client supplier is asked once, for the configured region', async () => {
    const regions: string[] = []
    const kms = new TencentKmsKeyProvider({
      region: 'ap-shanghai-fsi',
      clientSupplier: (region) => {
        regions.push(region)
        return { request: async () => ({ RequestId: 'r', Plaintext: Buffer.alloc(2).toString('base64') }) }
      },
    })
    await kms.generateRandom(2)
    await kms.generateRandom(2)
    expect(regions).toEqual(['ap-shanghai-fsi'])
  })
})

describe('timeout and abort', () => {
  it('a hung server: the call fails within the deadline with FailedOperation.Timeout', async () => {
    stub.setHandler(() => ({ hang: true }))
    const kms = stubProvider(stub, { requestTimeoutMs: 60_000, retry: { deadlineMs: 300 } })
    const started = Date.now()
    const e = await caught(kms.describeKey('key-1'))
    const elapsed = Date.now() - started
    expect(e.code).toBe('FailedOperation.Timeout')
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(1_500)
  })

  it('a per-attempt timeout is retried: the next attempt succeeds', async () => {
    stub.setHandler((_r, i) => (i === hungIndex ? { hang: true } : describeOk))
    const hungIndex = stub.requests.length
    const events: AttemptEvent[] = []
    const kms = stubProvider(stub, { requestTimeoutMs: 150, onAttempt: (e) => events.push(e) })
    await expect(kms.describeKey('key-1')).resolves.toMatchObject({ keyId: 'key-1' })
    expect(events.map((e) => `${e.result}/${e.backendCode ?? ''}`)).toEqual([
      'FailedOperation.Timeout/request-timeout',
      'Success/',
    ])
  })

  it('an abort → FailedOperation.Aborted, and the request in flight is cancelled', async () => {
    stub.setHandler(() => ({ hang: true }))
    const kms = stubProvider(stub, { retry: { deadlineMs: 20_000 } })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const e = await caught(kms.describeKey('key-1', { signal: controller.signal }))
    expect(e.code).toBe('FailedOperation.Aborted')
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(kms.stats.attempts).toBe(1)
  })

  it('an already aborted signal → FailedOperation.Aborted without a request', async () => {
    const before = stub.requests.length
    const kms = stubProvider(stub)
    const e = await caught(kms.generateRandom(16, { signal: AbortSignal.abort() }))
    expect(e.code).toBe('FailedOperation.Aborted')
    expect(stub.requests.length).toBe(before)
  })
})
