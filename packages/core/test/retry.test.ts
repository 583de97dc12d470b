import { describe, expect, it } from 'vitest'
import { KeywardError, backoffDelay, DEFAULT_RETRY_POLICY, withRetry } from '@keyward/core'

const fast = { initialDelayMs: 1, maxDelayMs: 4, deadlineMs: 5_000 }

describe('withRetry', () => {
  it('retries throttling and transient errors until success', async () => {
    let calls = 0
    const out = await withRetry(
      async () => {
        calls++
        if (calls === 1) throw new KeywardError('RequestLimitExceeded', 'slow down')
        if (calls === 2) throw new KeywardError('InternalError', 'oops')
        return 'ok'
      },
      { policy: fast },
    )
    expect(out).toBe('ok')
    expect(calls).toBe(3)
  })

  it('returns a non-retryable error after exactly one attempt', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw new KeywardError('InvalidParameter', 'bad')
        },
        { policy: fast },
      ),
    ).rejects.toMatchObject({ code: 'InvalidParameter' })
    expect(calls).toBe(1)
  })

  it('never retries errors that are not KeywardErrors', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw new TypeError('bug')
        },
        { policy: fast },
      ),
    ).rejects.toBeInstanceOf(TypeError)
    expect(calls).toBe(1)
  })

  it('stops at maxAttempts and rethrows the last error', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw new KeywardError('InternalError', `n${calls}`)
        },
        { policy: { ...fast, maxAttempts: 4 } },
      ),
    ).rejects.toMatchObject({ message: 'n4' })
    expect(calls).toBe(4)
  })

  it('fails with FailedOperation.Timeout at the deadline and aborts the attempt in flight', async () => {
    let sawAbort = false
    const started = Date.now()
    await expect(
      withRetry(
        (_n, signal) =>
          new Promise((_r, reject) => {
            signal.addEventListener('abort', () => {
              sawAbort = true
              reject(new Error('aborted'))
            })
          }),
        { policy: { deadlineMs: 100 } },
      ),
    ).rejects.toMatchObject({ code: 'FailedOperation.Timeout' })
    expect(sawAbort).toBe(true)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('fails with FailedOperation.Aborted when the caller aborts', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 20)
    await expect(
      withRetry(
        async () => {
          throw new KeywardError('RequestLimitExceeded', 'x')
        },
        {
          policy: { initialDelayMs: 10_000, maxDelayMs: 10_000, deadlineMs: 60_000 },
          signal: ac.signal,
          random: () => 1,
        },
      ),
    ).rejects.toMatchObject({ code: 'FailedOperation.Aborted' })
  })
})

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and uses full jitter', () => {
    const p = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000 }
    expect(backoffDelay(1, p, 'retry', () => 0.999999)).toBe(99)
    expect(backoffDelay(3, p, 'retry', () => 0.999999)).toBe(399)
    expect(backoffDelay(10, p, 'retry', () => 0.999999)).toBe(999)
    expect(backoffDelay(2, p, 'delayed-retry', () => 0.999999)).toBe(399)
    expect(backoffDelay(5, p, 'retry', () => 0)).toBe(0)
  })
})
