import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '@keyward/core'
import { DataKeyCache, EnvelopeClient } from '@keyward/flows/envelope'
import { CountingMasterKey } from './helpers.js'

const pt = Buffer.from('x'.repeat(100))

describe('data-key cache', () => {
  it('is off by default: one data key per message', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk })
    for (let i = 0; i < 3; i++) await c.encrypt(pt)
    expect(mk.generated).toBe(3)
    expect(c.cache).toBeUndefined()
  })

  it('reuses a data key within maxMessages, then makes a new one', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: { maxMessages: 3 } })
    const msgs = []
    for (let i = 0; i < 7; i++) msgs.push(await c.encrypt(pt))
    expect(mk.generated).toBe(3)
    for (const m of msgs) expect((await c.decrypt(m)).plaintext.equals(pt)).toBe(true)
  })

  it('limits bytes per data key, and never caches a message larger than maxBytes', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: { maxBytes: 250 } })
    await c.encrypt(pt) // 100
    await c.encrypt(pt) // 200
    expect(mk.generated).toBe(1)
    await c.encrypt(pt) // would be 300 > 250: new key
    expect(mk.generated).toBe(2)
    await c.encrypt(Buffer.alloc(251))
    await c.encrypt(Buffer.alloc(251))
    expect(mk.generated).toBe(4)
  })

  it('expires data keys after maxAgeMs', async () => {
    const clock = new ManualClock(0)
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: { maxAgeMs: 1000, clock } })
    await c.encrypt(pt)
    clock.advance(999)
    await c.encrypt(pt)
    expect(mk.generated).toBe(1)
    clock.advance(1)
    await c.encrypt(pt)
    expect(mk.generated).toBe(2)
  })

  it('partitions by encryption context and by the partition option (per-user keys)', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    await c.encrypt(pt, { encryptionContext: { user: 'a' } })
    await c.encrypt(pt, { encryptionContext: { user: 'a' } })
    await c.encrypt(pt, { encryptionContext: { user: 'b' } })
    await c.encrypt(pt, { encryptionContext: { user: 'a' }, partition: 'tenant-2' })
    expect(mk.generated).toBe(3)
    const a1 = await c.encrypt(pt, { encryptionContext: { user: 'a' } })
    const b1 = await c.encrypt(pt, { encryptionContext: { user: 'b' } })
    const edkOf = async (m: Buffer) => (await c.decrypt(m)).info.encryptedDataKeys[0]?.blob
    expect(Buffer.from((await edkOf(a1))!).equals(Buffer.from((await edkOf(b1))!))).toBe(false)
  })

  it('keeps partitions that contain separators or look like contexts apart from real contexts', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    const a = await c.encrypt(pt, { partition: 'x|[["k","v"]]' })
    const b = await c.encrypt(pt, { partition: 'x', encryptionContext: { k: 'v' } })
    expect(mk.generated).toBe(2)
    expect((await c.decrypt(b, { encryptionContext: { k: 'v' } })).plaintext.equals(pt)).toBe(true)
    expect((await c.decrypt(a)).plaintext.equals(pt)).toBe(true)
  })

  it('coalesces concurrent misses of one partition into one provider call', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    const msgs = await Promise.all(Array.from({ length: 20 }, () => c.encrypt(pt)))
    expect(mk.generated).toBe(1)
    expect(new Set(msgs.map((m) => m.toString('hex'))).size).toBe(20)
  })

  it('coalesced waiters beyond maxMessages get a fresh key, never an over-used one', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: { maxMessages: 4 } })
    await Promise.all(Array.from({ length: 10 }, () => c.encrypt(pt)))
    expect(mk.generated).toBe(3)
  })

  it('caches decrypted data keys too', async () => {
    const mk = new CountingMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    const m = await c.encrypt(pt)
    for (let i = 0; i < 5; i++) await c.decrypt(m)
    expect(mk.decrypted).toBe(1)
  })

  it('zeroes cached key material on eviction (exhaustion, capacity and clear)', async () => {
    const cache = new DataKeyCache({ maxMessages: 2, capacity: 1 })
    const keys: Buffer[] = []
    const create = async () => {
      const k = randomBytes(32)
      keys.push(k)
      return { plaintext: k, encryptedDataKeys: [] }
    }
    await cache.use('p', 0, create, () => undefined)
    await cache.use('p', 0, create, () => undefined) // second message exhausts key 0
    expect(keys[0]!.every((b) => b === 0)).toBe(true)
    await cache.use('q', 0, create, () => undefined)
    await cache.use('r', 0, create, () => undefined) // capacity 1 pushes out q
    expect(keys[1]!.every((b) => b === 0)).toBe(true)
    expect(keys[2]!.some((b) => b !== 0)).toBe(true)
    cache.clear()
    expect(keys[2]!.every((b) => b === 0)).toBe(true)
    expect(cache.size).toBe(0)
  })

  it('rejects invalid limits', () => {
    expect(() => new DataKeyCache({ maxMessages: 0 })).toThrow(/maxMessages/)
    expect(() => new DataKeyCache({ maxAgeMs: -1 })).toThrow(/maxAgeMs/)
  })
})
