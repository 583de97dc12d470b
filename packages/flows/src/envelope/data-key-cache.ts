import { checkInt, needs, systemClock, zeroize, type Clock } from '@keyward/core'
import { checkNotAborted } from './abort.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import { SharedFetches } from './shared-fetch.js'

/**
 * Limits of the data-key cache. They are also the reuse policy: with the cache off every message gets its own
 * data key; with it on, a key is reused within a partition (e.g. per user, via the `partition` option of
 * encrypt) until it is `maxAgeMs` old or has protected `maxMessages` messages or `maxBytes` bytes.
 */
export interface DataKeyCacheOptions {
  /** Default 300 000 (5 min). */
  maxAgeMs?: number
  /** Default 10 000 messages per data key (1 .. 2^32). */
  maxMessages?: number
  /** Default 1 GiB of plaintext per data key. */
  maxBytes?: number
  /** Entries kept at most (least recently used go first). Default 100. */
  capacity?: number
  clock?: Clock
}

interface Entry {
  readonly plaintext: Uint8Array
  readonly edks: readonly EncryptedDataKey[]
  readonly createdAt: number
  messages: number
  bytes: number
}

/** What a cache miss must produce. */
export interface CacheMaterial {
  readonly plaintext: Uint8Array
  readonly encryptedDataKeys: readonly EncryptedDataKey[]
}

/**
 * Makes the material of a miss; `signal` belongs to the fetch, not to any one caller (see {@link DataKeyCache.use}).
 */
export type CacheCreate = (signal?: AbortSignal) => Promise<CacheMaterial>

/**
 * Caches plaintext data keys with their encrypted copies. Concurrent misses for one partition share one
 * provider call; an entry is zeroed as soon as it is evicted (expired, exhausted, or pushed out).
 *
 * @example
 * ```ts
 * const client = new EnvelopeClient({ keyring, cache: { maxAgeMs: 60_000, maxMessages: 1000 } })
 * await client.encrypt(row, { encryptionContext: { table: 'orders' }, partition: userId })
 * ```
 */
export class DataKeyCache {
  readonly maxAgeMs: number
  readonly maxMessages: number
  readonly maxBytes: number
  readonly capacity: number
  readonly #clock: Clock
  readonly #entries = new Map<string, Entry>()
  readonly #fetches = new SharedFetches<Entry>()
  #newest: string | undefined

  constructor(opts: DataKeyCacheOptions = {}) {
    this.maxAgeMs = opts.maxAgeMs ?? 300_000
    this.maxMessages = opts.maxMessages ?? 10_000
    this.maxBytes = opts.maxBytes ?? 2 ** 30
    this.capacity = opts.capacity ?? 100
    /* Precondition: cache limits are positive integers. */
    checkInt('maxAgeMs', this.maxAgeMs, 1, Number.MAX_SAFE_INTEGER)
    checkInt('maxMessages', this.maxMessages, 1, 2 ** 32)
    checkInt('maxBytes', this.maxBytes, 1, Number.MAX_SAFE_INTEGER)
    checkInt('capacity', this.capacity, 1, 1_000_000)
    this.#clock = opts.clock ?? systemClock
  }

  /** Number of live entries. */
  get size(): number {
    return this.#entries.size
  }

  /**
   * Runs `use` with a data key of `partition` that may protect `bytes` more bytes, making one with `create` on a
   * miss. `use` must be synchronous: the key may be zeroed by an eviction once it returns.
   *
   * Concurrent misses of one partition share one `create`, whose signal is the fetch's own (see
   * {@link SharedFetches}): one caller's abort never fails the others.
   */
  async use<T>(
    partition: string,
    bytes: number,
    create: CacheCreate,
    use: (plaintext: Uint8Array, edks: readonly EncryptedDataKey[]) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    needs(bytes >= 0, 'InvalidParameterValue', 'bytes must not be negative.')
    checkNotAborted(signal)
    if (bytes > this.maxBytes) {
      // Larger than a key may protect: a fresh key, never cached, fetched for this caller alone.
      const m = await create(signal)
      try {
        return use(m.plaintext, m.encryptedDataKeys)
      } finally {
        zeroize(m.plaintext)
      }
    }
    for (;;) {
      let e = this.#live(partition)
      if (e && !this.#fits(partition, e, bytes)) {
        this.#evict(partition, e)
        e = undefined
      }
      if (!e) {
        e = await this.#load(partition, create, signal)
        // Other waiters on the same miss may have used the new key up; then go round for another. Age is not
        // checked here: a key that expired while it was being made still serves the call that waited for it.
        if (!this.#fits(partition, e, bytes, false)) continue
      }
      e.messages += 1
      e.bytes += bytes
      try {
        return use(e.plaintext, e.edks)
      } finally {
        if (e.messages >= this.maxMessages || e.bytes >= this.maxBytes) this.#evict(partition, e)
      }
    }
  }

  /** Zeroes and drops every entry. */
  clear(): void {
    for (const [k, e] of this.#entries) this.#evict(k, e)
  }

  #fits(partition: string, e: Entry, bytes: number, checkAge = true): boolean {
    return (
      this.#entries.get(partition) === e &&
      (!checkAge || this.#clock.now() - e.createdAt < this.maxAgeMs) &&
      e.messages < this.maxMessages &&
      e.bytes + bytes <= this.maxBytes
    )
  }

  #live(partition: string): Entry | undefined {
    const e = this.#entries.get(partition)
    if (!e) return undefined
    if (this.#clock.now() - e.createdAt >= this.maxAgeMs) {
      this.#evict(partition, e)
      return undefined
    }
    // Least recently used order: re-insert on use (unless it is already the newest, the common case).
    if (this.#newest !== partition) {
      this.#entries.delete(partition)
      this.#entries.set(partition, e)
      this.#newest = partition
    }
    return e
  }

  #load(partition: string, create: CacheCreate, signal: AbortSignal | undefined): Promise<Entry> {
    return this.#fetches.get(partition, (shared) => create(shared).then((m) => this.#install(partition, m)), signal)
  }

  #install(partition: string, m: CacheMaterial): Entry {
    const e: Entry = {
      plaintext: m.plaintext,
      edks: m.encryptedDataKeys,
      createdAt: this.#clock.now(),
      messages: 0,
      bytes: 0,
    }
    const old = this.#entries.get(partition)
    if (old) this.#evict(partition, old)
    this.#entries.set(partition, e)
    this.#newest = partition
    while (this.#entries.size > this.capacity) {
      const [k, v] = this.#entries.entries().next().value as [string, Entry]
      this.#evict(k, v)
    }
    return e
  }

  #evict(partition: string, e: Entry): void {
    if (this.#entries.get(partition) === e) this.#entries.delete(partition)
    zeroize(e.plaintext)
  }
}
