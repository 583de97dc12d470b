import type { KeyMetadata } from '@keyward/core'

/** Entries kept at most; past it the cache starts over (a bound, not an LRU: the hot keys refill at once). */
const MAX_ENTRIES = 10_000

/**
 * Key metadata of recent calls, so that a hot Encrypt / Sign does not read the key store every time. Writes from
 * this process go through {@link InvalidatingKeyStore}, which drops the key's entry before and after each write
 * and bumps the generation, so this process always sees its own lifecycle changes at once. Changes made by
 * another process through the same store are seen once an entry is `ttlMs` old (monotonic time, not the
 * provider's clock: the TTL bounds staleness in real time). `ttlMs` 0 turns caching off.
 */
export class MetadataCache {
  readonly #entries = new Map<string, { meta: Readonly<KeyMetadata>; until: number }>()
  readonly #ttlMs: number
  #generation = 0

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs
  }

  /** Bumped by every store write; a read that saw a bump while it ran must not fill the cache. */
  get generation(): number {
    return this.#generation
  }

  /** The cached, frozen metadata of `keyId` while it is fresh. */
  get(keyId: string): Readonly<KeyMetadata> | undefined {
    if (this.#ttlMs === 0) return undefined
    const e = this.#entries.get(keyId)
    if (!e) return undefined
    if (performance.now() < e.until) return e.meta
    this.#entries.delete(keyId)
    return undefined
  }

  /** Caches `meta` read from the store, unless a write happened since `generation` was taken. */
  set(meta: KeyMetadata, generation: number): void {
    if (this.#ttlMs === 0 || generation !== this.#generation) return
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
    this.#entries.set(meta.keyId, { meta: Object.freeze({ ...meta }), until: performance.now() + this.#ttlMs })
  }

  /** A write to `keyId` is about to happen or has happened. */
  invalidate(keyId: string): void {
    this.#generation++
    this.#entries.delete(keyId)
  }

  clear(): void {
    this.#generation++
    this.#entries.clear()
  }
}
