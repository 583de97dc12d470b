import { KeywardError, type Clock } from '@keyward/core'

// Buckets refill on a monotonic clock: wall-clock jumps must neither drain nor flood them.
const monotonic: Clock = { now: () => performance.now() }

/**
 * Requests per second allowed per account and Action. Tencent's published limits differ per Action (e.g.
 * SignByAsymmetricKey 100/s); `actions` sets those, `default` the rest.
 *
 * @example
 * ```ts
 * const limits: RateLimits = { default: 1000, actions: { SignByAsymmetricKey: 100 } }
 * ```
 */
export interface RateLimits {
  /** Per account and Action, requests per second. Default 1000. 0 disables limiting. */
  default?: number
  actions?: Readonly<Record<string, number>>
}

/** Tencent's documented per-Action limits for the asymmetric Actions; everything else gets `default`. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  default: 1000,
  actions: {
    SignByAsymmetricKey: 100,
    VerifyByAsymmetricKey: 100,
    AsymmetricRsaDecrypt: 100,
    AsymmetricSm2Decrypt: 100,
  },
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * Token buckets per (account, Action), one second of burst, in memory. The limits are cluster-wide: `instances`
 * says how many instances share them (ClusterMembership, from PostgreSQL), and this one allows its share,
 * limit / instances, so N instances together allow the limit, not N times it.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly clock: Clock = monotonic,
    private readonly instances: () => number = () => 1,
  ) {}

  private rateOf(action: string): number {
    return this.limits.actions?.[action] ?? this.limits.default ?? 1000
  }

  /** Takes one token or throws RequestLimitExceeded. */
  take(accountId: string, action: string): void {
    const limit = this.rateOf(action)
    if (limit <= 0) return
    const rate = limit / Math.max(1, this.instances())
    const now = this.clock.now()
    const id = `${accountId}\0${action}`
    // A share below one request per second still lets one through now and then.
    const burst = Math.max(1, rate)
    const b = this.#buckets.get(id) ?? { tokens: burst, at: now }
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate)
    b.at = now
    if (this.#buckets.size > 100_000) this.#buckets.clear()
    this.#buckets.set(id, b)
    if (b.tokens < 1)
      throw new KeywardError('RequestLimitExceeded', `Too many ${action} requests: the limit is ${limit} per second.`)
    b.tokens -= 1
  }
}
