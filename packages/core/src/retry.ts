import { KeywardError, isKeywardError, type RetryClass } from './errors.js'

/**
 * Exponential backoff with full jitter (delay = random(0, min(cap, initial · multiplier^n))), bounded by a
 * number of attempts and an overall deadline. Only transient failures are retried; throttling
 * (`delayed-retry`) waits longer; a bad request (`cancel`) is returned after one attempt.
 */
export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retry. */
  maxAttempts: number
  initialDelayMs: number
  maxDelayMs: number
  multiplier: number
  /** Throttling waits this many times longer than a transient fault. */
  throttleFactor: number
  /** Overall budget for all attempts and waits, ms; undefined = no deadline. */
  deadlineMs?: number
}

/** Defaults: 6 attempts, 100 ms · 2^n capped at 5 s, 30 s overall. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 6,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  multiplier: 2,
  throttleFactor: 2,
  deadlineMs: 30_000,
}

/** How a failure is classified: KeywardErrors by their code's table entry, anything else is not retried. */
export function classifyError(e: unknown): RetryClass {
  return isKeywardError(e) ? e.retryClass : 'cancel'
}

/** The wait before attempt `attempt + 1` (attempt counts from 1), full jitter. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  cls: RetryClass,
  random: () => number = Math.random,
): number {
  const exp =
    policy.initialDelayMs * policy.multiplier ** (attempt - 1) * (cls === 'delayed-retry' ? policy.throttleFactor : 1)
  return Math.floor(random() * Math.min(policy.maxDelayMs, exp))
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>
  signal?: AbortSignal
  classify?: (e: unknown) => RetryClass
  random?: () => number
  /** Called before each wait: for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, runs out of attempts, or the deadline or
 * the caller's signal ends it. `fn` receives the attempt number and a signal that fires at the deadline or on
 * abort, so a request in flight is cancelled too.
 *
 * @example
 * ```ts
 * const out = await withRetry((n, signal) => client.request('Encrypt', req, { signal }), {
 *   policy: { deadlineMs: 5000 },
 * })
 * ```
 */
export async function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.policy }
  const classify = opts.classify ?? classifyError
  const started = Date.now()
  const deadline = policy.deadlineMs === undefined ? Infinity : started + policy.deadlineMs
  const controller = new AbortController()
  const timer = Number.isFinite(deadline)
    ? setTimeout(
        () =>
          controller.abort(
            new KeywardError('FailedOperation.Timeout', `The call did not finish within ${policy.deadlineMs} ms.`),
          ),
        policy.deadlineMs,
      )
    : undefined
  const onAbort = (): void => controller.abort(aborted(opts.signal))
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (let attempt = 1; ; attempt++) {
      if (opts.signal?.aborted) throw aborted(opts.signal)
      if (controller.signal.aborted) throw controller.signal.reason
      try {
        return await fn(attempt, controller.signal)
      } catch (e) {
        if (controller.signal.aborted) throw controller.signal.reason
        const cls = classify(e)
        if (cls === 'cancel' || attempt >= policy.maxAttempts) throw e
        const delayMs = backoffDelay(attempt, policy, cls, opts.random)
        if (Date.now() + delayMs >= deadline) throw e
        opts.onRetry?.({ attempt, delayMs, error: e })
        await sleep(delayMs, controller.signal)
      }
    }
  } finally {
    if (timer) clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
  }
}

function aborted(signal: AbortSignal | undefined): KeywardError {
  return new KeywardError('FailedOperation.Aborted', 'The call was aborted by the caller.', { cause: signal?.reason })
}

/** Waits `ms`, or rejects with the signal's reason when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', stop)
      resolve()
    }, ms)
    const stop = (): void => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', stop, { once: true })
  })
}
