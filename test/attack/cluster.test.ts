/**
 * Finding 9 (and strict mode's shared replay cache): instances sharing one PostgreSQL each allowed the full rate
 * limit, so N instances allowed N × the limit. Now each instance takes its share from the live-instance count kept
 * in PostgreSQL, measured here with two instances hammered at once; and a request replayed to the other
 * instance is refused, because strict mode's replay cache lives in the same database.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { PostgresKeyStore, startServer, type RunningServer } from '@keyward/server'
import { startPgCluster, type PgCluster } from '../../packages/server/test/postgres-cluster.js'
import { ADMIN, capture, resend } from './attack-harness.js'

const LIMIT = 40

describe('attack 9: two instances on one PostgreSQL', () => {
  let pg: PgCluster
  const servers: RunningServer[] = []
  beforeAll(async () => {
    pg = await startPgCluster()
    const rootKey = randomBytes(32)
    for (let i = 0; i < 2; i++) {
      const provider = new SoftwareKeyProvider({ store: await PostgresKeyStore.open(pg.url), rootKey: RootKey.fromBytes(rootKey) })
      servers.push(await startServer({
        provider, ownsProvider: true, store: { postgres: pg.url }, rootKey, bootstrap: ADMIN, strictSigning: true,
        rateLimits: { default: 0, actions: { GenerateRandom: LIMIT } },
      }))
    }
    // Both instances have seen each other's heartbeat.
    await new Promise((r) => setTimeout(r, 1_500))
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
    pg?.stop()
  })

  it(`the rate limit (${LIMIT}/s) holds for the cluster, not per instance`, async () => {
    const seconds = 2
    const until = Date.now() + seconds * 1000
    const count = { ok: 0, limited: 0, perInstance: [0, 0] }
    await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; Date.now() < until; i++) {
        const target = (worker + i) % 2
        const url = servers[target]!.url
        const r = await resend(url, capture(url, ADMIN, 'GenerateRandom', { NumberOfBytes: 8 }, { signAction: true }))
        if (r.code === undefined) {
          count.ok += 1
          count.perInstance[target]! += 1
        } else {
          expect(r.code).toBe('RequestLimitExceeded')
          count.limited += 1
        }
      }
    }))
    // One second of burst plus the refill: at most LIMIT × (seconds + 1) for the cluster (per instance this was twice that).
    expect(count.limited).toBeGreaterThan(0)
    expect(count.ok).toBeLessThanOrEqual(Math.ceil(LIMIT * (seconds + 1) * 1.15))
    expect(count.ok).toBeGreaterThanOrEqual(LIMIT * seconds * 0.6)
    expect(Math.min(...count.perInstance)).toBeGreaterThan(0)
  })

  it('a request replayed to the other instance is refused (strict mode\'s replay cache is shared)', async () => {
    const [a, b] = servers as [RunningServer, RunningServer]
    const c = capture(a.url, ADMIN, 'ListKeys', {}, { signAction: true })
    expect((await resend(a.url, c)).code).toBeUndefined()
    const replay = await resend(b.url, c)
    expect(replay.code).toBe('AuthFailure.SignatureFailure')
    expect(replay.response['Error']).toMatchObject({ Message: expect.stringMatching(/already used/) })
  })
})
