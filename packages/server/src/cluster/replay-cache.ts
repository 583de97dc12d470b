import { KeywardError } from '@keyward/core'
import type { SqlDb } from '../store/sql-db.js'

/**
 * Strict mode's memory of signatures already used: a TC3 signature is accepted once within its time window (its
 * X-TC-Timestamp ± MAX_SKEW_SECONDS), so a request captured on the wire cannot be sent again.
 */
export interface ReplayCache {
  /** Records `signature` until `expiresAt` (Unix s); false when it was already recorded (a replay). */
  firstUse(signature: string, expiresAt: number, nowSeconds: number): Promise<boolean>
}

/**
 * One instance's replay cache, in memory. Bounded: past `maxEntries` live signatures it refuses new requests
 * (RequestLimitExceeded) rather than forget one early, which would reopen the replay window.
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #seen = new Map<string, number>()
  #prunedAt = 0

  constructor(private readonly maxEntries = 2_000_000) {}

  async firstUse(signature: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    if (this.#seen.has(signature)) return false
    if (nowSeconds - this.#prunedAt >= 10 || this.#seen.size >= this.maxEntries) this.#prune(nowSeconds)
    if (this.#seen.size >= this.maxEntries)
      throw new KeywardError('RequestLimitExceeded', 'Strict mode: the replay cache is full; retry shortly.')
    this.#seen.set(signature, expiresAt)
    return true
  }

  #prune(nowSeconds: number): void {
    this.#prunedAt = nowSeconds
    for (const [sig, until] of this.#seen) if (until < nowSeconds) this.#seen.delete(sig)
  }
}

/**
 * The replay cache of instances sharing one PostgreSQL database (table `srv_replay`): a replay sent to another
 * instance is refused too. The insert is the check (primary key), so two instances racing on one signature
 * cannot both accept it.
 */
export class SqlReplayCache implements ReplayCache {
  #prunedAt = 0

  constructor(private readonly db: SqlDb) {}

  async firstUse(signature: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    if (nowSeconds - this.#prunedAt >= 10) {
      this.#prunedAt = nowSeconds
      await this.db.run('DELETE FROM srv_replay WHERE expires < ?', [nowSeconds])
    }
    const inserted = await this.db.run(
      'INSERT INTO srv_replay (signature, expires) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING',
      [signature, expiresAt],
    )
    return inserted === 1
  }
}
