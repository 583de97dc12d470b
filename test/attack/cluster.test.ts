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
import { ADMIN, capture, resend, startAttackServer } from './attack-harness.js'

const LIMIT = 40
const SECONDS = 2

/** GenerateRandom from 8 workers, alternating between the two URLs, for SECONDS: how many got through. */
async function hammer(urls: [string, string]): Promise<{ ok: number; limited: number; perInstance: [number, number] }> {
  const until = Date.now() + SECONDS * 1000
  const count = { ok: 0, limited: 0, perInstance: [0, 0] as [number, number] }
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; Date.now() < until; i++) {
        const target = (worker + i) % 2
        const url = urls[target]!
        const r = await resend(url, capture(url, ADMIN, 'GenerateRandom', { NumberOfBytes: 8 }, { signAction: true }))
        if (r.code === undefined) {
          count.ok += 1
          count.perInstance[target] += 1
        } else {
          expect(r.code).toBe('RequestLimitExceeded')
          count.limited += 1
        }
      }
    }),
  )
  return count
}

/** One second of burst plus the refill: at most LIMIT × (SECONDS + 1) for a cluster, with a little slack. */
const CLUSTER_BOUND = Math.ceil(LIMIT * (SECONDS + 1) * 1.15)

describe('attack 9: two instances on one PostgreSQL', () => {
  let pg: PgCluster
  const servers: RunningServer[] = []
  beforeAll(async () => {
    pg = await startPgCluster()
    const rootKey = randomBytes(32)
    for (let i = 0; i < 2; i++) {
      const provider = new SoftwareKeyProvider({
        store: await PostgresKeyStore.open(pg.url),
        rootKey: RootKey.fromBytes(rootKey),
      })
      servers.push(
        await startServer({
          provider,
          ownsProvider: true,
          store: { postgres: pg.url },
          rootKey,
          bootstrap: ADMIN,
          strictSigning: true,
          rateLimits: { default: 0, actions: { GenerateRandom: LIMIT } },
        }),
      )
    }
    // Both instances have seen each other's heartbeat.
    await new Promise((r) => setTimeout(r, 1_500))
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
    pg?.stop()
  })

  it(`the rate limit (${LIMIT}/s) holds for the cluster, not per instance`, async () => {
    const count = await hammer([servers[0]!.url, servers[1]!.url])
    expect(count.limited).toBeGreaterThan(0)
    expect(count.ok).toBeLessThanOrEqual(CLUSTER_BOUND)
    expect(count.ok).toBeGreaterThanOrEqual(LIMIT * SECONDS * 0.6)
    expect(Math.min(...count.perInstance)).toBeGreaterThan(0)
  })

  it('control: two instances that share nothing each allow the full limit, which this measurement sees', async () => {
    const alone = [
      await startAttackServer({ strictSigning: true, rateLimits: { default: 0, actions: { GenerateRandom: LIMIT } } }),
      await startAttackServer({ strictSigning: true, rateLimits: { default: 0, actions: { GenerateRandom: LIMIT } } }),
    ]
    try {
      const count = await hammer([alone[0]!.url, alone[1]!.url])
      expect(count.ok).toBeGreaterThan(CLUSTER_BOUND)
    } finally {
      for (const a of alone) await a.close()
    }
  })

  it("a request replayed to the other instance is refused (strict mode's replay cache is shared)", async () => {
    const [a, b] = servers as [RunningServer, RunningServer]
    const c = capture(a.url, ADMIN, 'ListKeys', {}, { signAction: true })
    expect((await resend(a.url, c)).code).toBeUndefined()
    const replay = await resend(b.url, c)
    expect(replay.code).toBe('AuthFailure.SignatureFailure')
    expect(replay.response['Error']).toMatchObject({ Message: expect.stringMatching(/already used/) })
  })
})
