import { isKeywardError, type RetryClass } from '@keyward/core'

/**
 * Which failures of a Tencent KMS call are retried. Throttling waits longer; transient server faults,
 * timeouts and broken connections are retried; a bad request, an auth failure or a key in the wrong state
 * never is. An unrecognised Tencent code is not retried either: retrying only what is known to be transient
 * keeps a misbehaving call from being repeated six times.
 */

/** Backend codes behind `InternalError` that mean a transient fault on Tencent's side. */
const TRANSIENT_BACKEND = /^(InternalError|InternalServerError|ServiceUnavailable|HTTP 5\d\d|bad-response)/

/**
 * Actions that are not safe to repeat when the first request may have been processed but its answer was
 * lost (a timeout or reset): a second CreateKey would make a second key (or fail with AliasAlreadyExists).
 */
const NOT_IDEMPOTENT = new Set(['CreateKey'])

/**
 * The retry class of a failed attempt of `action`.
 *
 * @example
 * ```ts
 * withRetry(fn, { classify: (e) => classifyKmsFailure('Encrypt', e) })
 * ```
 */
export function classifyKmsFailure(action: string, e: unknown): RetryClass {
  if (!isKeywardError(e)) return 'cancel'
  switch (e.code) {
    case 'RequestLimitExceeded':
      return 'delayed-retry'
    case 'InternalError':
      return e.backendCode === undefined || TRANSIENT_BACKEND.test(e.backendCode) ? 'retry' : 'cancel'
    case 'FailedOperation.Timeout':
    case 'FailedOperation.NetworkError':
      if (NOT_IDEMPOTENT.has(action) && e.backendCode !== 'connection-refused') return 'cancel'
      return 'retry'
    default:
      return e.retryClass === 'cancel' ? 'cancel' : e.retryClass
  }
}
