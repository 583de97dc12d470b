import { describe, expect, it } from 'vitest'
import { ManualClock } from '@keyward/core'
import { DEFAULT_RATE_LIMITS } from '@keyward/server'
import { RateLimiter } from '../src/cluster/rate-limiter.js'
import { startTestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('rate limits and fault injection', () => {
  it('throttles per account and Action with RequestLimitExceeded; other accounts and Actions are unaffected', async () => {
    const t = await startTestServer({ memoryKeys: true, rateLimits: { default: 1000, actions: { GenerateRandom: 5 } } })
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.admin.GenerateRandom({ NumberOfBytes: 8 }).then(
            () => 'ok',
            (e: { code: string }) => e.code,
          ),
        ),
      )
      expect(results.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(5)
      expect(results.filter((r) => r === 'ok').length).toBeLessThan(10)
      expect(results.filter((r) => r === 'RequestLimitExceeded').length).toBeGreaterThan(10)
      await t.admin.GetRegions()
      const other = await t.account('other')
      await other.GenerateRandom({ NumberOfBytes: 8 })
      await new Promise((r) => setTimeout(r, 1100))
      await t.admin.GenerateRandom({ NumberOfBytes: 8 })
    } finally {
      await t.close()
    }
  })

  it("defaults to Tencent's 100/s for SignByAsymmetricKey (and refills over time)", () => {
    const clock = new ManualClock(0)
    const limiter = new RateLimiter(DEFAULT_RATE_LIMITS, clock)
    for (let i = 0; i < 100; i++) limiter.take('acct', 'SignByAsymmetricKey')
    expect(() => limiter.take('acct', 'SignByAsymmetricKey')).toThrow(
      expect.objectContaining({ code: 'RequestLimitExceeded' }),
    )
    limiter.take('acct', 'Encrypt')
    limiter.take('other', 'SignByAsymmetricKey')
    clock.advance(50)
    for (let i = 0; i < 5; i++) limiter.take('acct', 'SignByAsymmetricKey')
    expect(() => limiter.take('acct', 'SignByAsymmetricKey')).toThrow(
      expect.objectContaining({ code: 'RequestLimitExceeded' }),
    )
    // A clock that jumps back neither drains nor floods the bucket.
    clock.advance(-10_000)
    expect(() => limiter.take('acct', 'SignByAsymmetricKey')).toThrow(
      expect.objectContaining({ code: 'RequestLimitExceeded' }),
    )
  })

  it('takes its share of a cluster-wide limit: limit ÷ live instances, and at least one request now and then', () => {
    const clock = new ManualClock(0)
    let live = 4
    const limiter = new RateLimiter({ default: 0, actions: { Encrypt: 100, Sign: 2 } }, clock, () => live)
    for (let i = 0; i < 25; i++) limiter.take('acct', 'Encrypt')
    expect(() => limiter.take('acct', 'Encrypt')).toThrow(
      expect.objectContaining({
        code: 'RequestLimitExceeded',
        message: expect.stringMatching(/limit is 100 per second/),
      }),
    )
    limiter.take('acct', 'Sign')
    expect(() => limiter.take('acct', 'Sign')).toThrow(expect.objectContaining({ code: 'RequestLimitExceeded' }))
    clock.advance(2000)
    limiter.take('acct', 'Sign')
    // An instance leaves: the share grows at once.
    live = 1
    clock.advance(1000)
    for (let i = 0; i < 100; i++) limiter.take('acct', 'Encrypt')
  })

  it('injects each fault kind: RequestLimitExceeded, InternalError, delay', async () => {
    for (const kind of ['RequestLimitExceeded', 'InternalError'] as const) {
      const t = await startTestServer({ memoryKeys: true, faults: { rate: 1, kinds: [kind] } })
      try {
        expect(await codeOf(t.admin.GetRegions())).toBe(kind)
      } finally {
        await t.close()
      }
    }
    const t = await startTestServer({ memoryKeys: true, faults: { rate: 1, kinds: ['delay'], delayMs: 300 } })
    try {
      const started = Date.now()
      await t.admin.GetRegions()
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    } finally {
      await t.close()
    }
  })

  it('at 30 % faults roughly 30 % of calls fail, all with retryable codes', async () => {
    const t = await startTestServer({
      memoryKeys: true,
      faults: { rate: 0.3, kinds: ['RequestLimitExceeded', 'InternalError'] },
    })
    try {
      const results: string[] = []
      for (let i = 0; i < 300; i++)
        results.push(
          await t.admin.GetRegions().then(
            () => 'ok',
            (e: { code: string }) => e.code,
          ),
        )
      const failed = results.filter((r) => r !== 'ok')
      expect(failed.length).toBeGreaterThan(50)
      expect(failed.length).toBeLessThan(130)
      expect(new Set(failed)).toEqual(new Set(['RequestLimitExceeded', 'InternalError']))
    } finally {
      await t.close()
    }
  })

  it('refuses bad fault options', async () => {
    await expect(startTestServer({ memoryKeys: true, faults: { rate: 2 } })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    })
  })
})
