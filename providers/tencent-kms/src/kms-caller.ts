import {
  KeywardError,
  withRetry,
  type CallOptions,
  type KeywardErrorCode,
  type RetryClass,
  type RetryPolicy,
} from '@keyward/core'
import { mapTencentError } from './error-mapping.js'
import type { KmsClient, KmsResponse } from './kms-client.js'
import { classifyKmsFailure } from './retry-classification.js'

/** One attempt of one call, reported to `onAttempt` (for logs, metrics and tests that bound retries). */
export interface AttemptEvent {
  action: string
  /** 1 for the first attempt. */
  attempt: number
  durationMs: number
  /** `Success` or the KeywardError code of the failure. */
  result: 'Success' | KeywardErrorCode
  /** Tencent's code when it differs from `result`, e.g. `HTTP 503`. */
  backendCode?: string
  requestId?: string
}

/** Running totals since the provider was made. */
export interface CallStats {
  calls: number
  attempts: number
  failures: number
}

/** How calls are made: the client, the retry policy and the per-attempt timeout. */
export interface KmsCallerOptions {
  client: KmsClient
  requestTimeoutMs: number
  retry: Partial<RetryPolicy>
  onAttempt?: (event: AttemptEvent) => void
  /** The provider's name, for the error a call after {@link KmsCaller.close} gets; default `tencent-kms`. */
  name?: string
}

/**
 * Makes KMS calls with core's withRetry: each attempt is a fresh `client.request` (so the SDK signs it
 * anew, with a new timestamp), bounded by a per-attempt timeout, the policy's attempts and its overall
 * deadline, and cancelled by the caller's AbortSignal.
 */
export class KmsCaller {
  readonly #opts: KmsCallerOptions
  readonly #stats: CallStats = { calls: 0, attempts: 0, failures: 0 }
  #closed = false

  constructor(opts: KmsCallerOptions) {
    this.#opts = opts
  }

  get stats(): Readonly<CallStats> {
    return { ...this.#stats }
  }

  /** Refuses every later call with FailedOperation.ProviderUnavailable (the transport holds no session to release). */
  close(): void {
    this.#closed = true
  }

  /** Calls `action` with `req` (Tencent field names); resolves with the response, rejects with a KeywardError. */
  async call(action: string, req: Readonly<Record<string, unknown>>, opts: CallOptions = {}): Promise<KmsResponse> {
    if (this.#closed)
      throw new KeywardError(
        'FailedOperation.ProviderUnavailable',
        `The ${this.#opts.name ?? 'tencent-kms'} provider is closed.`,
      )
    this.#stats.calls++
    try {
      return await withRetry((attempt, signal) => this.#attempt(action, req, attempt, signal), {
        policy: this.#opts.retry,
        signal: opts.signal,
        classify: this.#classifier(action),
      })
    } catch (e) {
      this.#stats.failures++
      throw e
    }
  }

  /** One classifier per action, made once: this sits on the path of every call. */
  readonly #classifiers = new Map<string, (e: unknown) => RetryClass>()
  #classifier(action: string): (e: unknown) => RetryClass {
    let c = this.#classifiers.get(action)
    if (!c) {
      c = (e) => classifyKmsFailure(action, e)
      this.#classifiers.set(action, c)
    }
    return c
  }

  async #attempt(
    action: string,
    req: Readonly<Record<string, unknown>>,
    attempt: number,
    signal: AbortSignal,
  ): Promise<KmsResponse> {
    this.#stats.attempts++
    const hook = this.#opts.onAttempt
    const started = hook ? performance.now() : 0
    try {
      // The call's signal goes straight to the client (it fires at the deadline or on the caller's abort); the
      // per-attempt timeout is the client's (the SDK's own request timeout), so no timer or controller is added
      // here: on a ~1 ms loopback call each of those is a measurable share.
      const res = await this.#opts.client.request(action, req, { signal, timeoutMs: this.#opts.requestTimeoutMs })
      if (hook) {
        const requestId = typeof res.RequestId === 'string' ? res.RequestId : undefined
        this.#report(hook, {
          action,
          attempt,
          durationMs: performance.now() - started,
          result: 'Success',
          ...(requestId ? { requestId } : {}),
        })
      }
      return res
    } catch (e) {
      // Our own signal says why a request was cut off more reliably than the HTTP client's message does.
      const error = signal.aborted && signal.reason instanceof KeywardError ? signal.reason : mapTencentError(e, action)
      if (hook) {
        this.#report(hook, {
          action,
          attempt,
          durationMs: performance.now() - started,
          result: error.code,
          ...(error.backendCode ? { backendCode: error.backendCode } : {}),
          ...(error.requestId ? { requestId: error.requestId } : {}),
        })
      }
      throw error
    }
  }

  #report(hook: (event: AttemptEvent) => void, event: AttemptEvent): void {
    try {
      hook(event)
    } catch {
      // A failing metrics hook must not change the outcome of the call.
    }
  }
}
