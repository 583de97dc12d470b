import { randomUUID } from 'node:crypto'
import type { SqlDb } from '../store/sql-db.js'

/** How often an instance says it is alive, and how long until a silent one no longer counts. */
const HEARTBEAT_MS = 1_000
const LIVE_MS = 3_500

/**
 * The live server instances sharing one PostgreSQL database (table `srv_instances`, a heartbeat per second), so
 * that each takes its share (1/n) of a cluster-wide rate limit. With one instance, or SQLite, the share is 1.
 * A load balancer that spreads an account's requests unevenly then allows somewhat less than the limit, never more.
 */
export class ClusterMembership {
  readonly instanceId = randomUUID()
  #live = 1
  #timer: NodeJS.Timeout | undefined

  private constructor(private readonly db: SqlDb) {}

  /** Joins the cluster (first heartbeat before it returns) and keeps beating until {@link leave}. */
  static async join(db: SqlDb): Promise<ClusterMembership> {
    const m = new ClusterMembership(db)
    await m.#beat()
    m.#timer = setInterval(() => void m.#beat().catch(() => undefined), HEARTBEAT_MS)
    m.#timer.unref()
    return m
  }

  /** Instances alive now (≥ 1: this one). */
  get live(): number {
    return this.#live
  }

  async #beat(): Promise<void> {
    const now = Date.now()
    await this.db.run(
      'INSERT INTO srv_instances (instance_id, seen) VALUES (?, ?) ON CONFLICT (instance_id) DO UPDATE SET seen = excluded.seen',
      [this.instanceId, now],
    )
    const [row] = await this.db.all('SELECT COUNT(*) AS n FROM srv_instances WHERE seen >= ?', [now - LIVE_MS])
    this.#live = Math.max(1, Number(row?.['n'] ?? 1))
    // Instances that died without leaving: gone after a minute.
    await this.db.run('DELETE FROM srv_instances WHERE seen < ?', [now - 60_000])
  }

  /** Stops the heartbeat and removes this instance, so the others take its share at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer)
    await this.db.run('DELETE FROM srv_instances WHERE instance_id = ?', [this.instanceId]).catch(() => undefined)
  }
}
