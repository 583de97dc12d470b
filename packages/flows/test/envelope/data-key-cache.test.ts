import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock, type CallOptions, type EncryptionContext } from '@keyward/core'
import {
  DataKeyCache,
  EnvelopeClient,
  type EncryptedDataKey,
  type GeneratedDataKey,
  type MasterKey,
} from '@keyward/flows/envelope'
import { CountingMasterKey, rawKey } from './helpers.js'
import { codeOf } from '@keyward/test-support'

/** A raw AES master key whose calls wait for `release()` and honour their signal, recording each signal it got. */
class GatedMasterKey implements MasterKey {
  readonly providerName = 'raw-aes'
  readonly keyId = 'gated'
  readonly inner = rawKey('gated')
  readonly signals: Array<AbortSignal | undefined> = []
  calls = 0
  #open: () => void = () => undefined
  #gate = new Promise<void>((r) => (this.#open = r))
  release(): void {
    this.#open()
  }
  async #wait<T>(opts: CallOptions | undefined, f: () => Promise<T>): Promise<T> {
    this.calls++
    this.signals.push(opts?.signal)
    await new Promise<void>((resolve, reject) => {
      opts?.signal?.addEventListener(
        'abort',
        () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        { once: true },
      )
      void this.#gate.then(resolve)
    })
    return f()
  }
  generateDataKey(length: number, ctx: EncryptionContext, opts?: CallOptions): Promise<GeneratedDataKey> {
    return this.#wait(opts, () => this.inner.generateDataKey(length, ctx))
  }
  encryptDataKey(pt: Uint8Array, ctx: EncryptionContext): Promise<EncryptedDataKey> {
    return this.inner.encryptDataKey(pt, ctx)
  }
  canDecrypt(edk: EncryptedDataKey): boolean {
    return this.inner.canDecrypt(edk)
  }
  decryptDataKey(edk: EncryptedDataKey, ctx: EncryptionContext, opts?: CallOptions): Promise<Uint8Array> {
    return this.#wait(opts, () => this.inner.decryptDataKey(edk, ctx))
  }
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

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

  it('one caller’s abort never fails the others waiting on the same miss: the shared fetch outlives it (encrypt)', async () => {
    const mk = new GatedMasterKey()
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    const ac = new AbortController()
    const first = codeOf(c.encrypt(pt, { signal: ac.signal }))
    const others = [c.encrypt(pt), c.encrypt(pt, { signal: new AbortController().signal })]
    await tick()
    ac.abort()
    expect(await first).toBe('FailedOperation.Aborted')
    expect(mk.signals[0]?.aborted).toBe(false) // the provider call goes on
    mk.release()
    const msgs = await Promise.all(others)
    expect(mk.calls).toBe(1)
    for (const m of msgs) expect((await c.decrypt(m)).plaintext.equals(pt)).toBe(true)
  })

  it('the same on decrypt, and the fetch is aborted once every waiter has gone (the next miss starts afresh)', async () => {
    const mk = new GatedMasterKey()
    const writer = new EnvelopeClient({ keyring: mk.inner })
    const m = await writer.encrypt(pt)
    const c = new EnvelopeClient({ keyring: mk, cache: true })
    const ac = new AbortController()
    const first = codeOf(c.decrypt(m, { signal: ac.signal }))
    const second = c.decrypt(m)
    await tick()
    ac.abort()
    expect(await first).toBe('FailedOperation.Aborted')
    mk.release()
    expect((await second).plaintext.equals(pt)).toBe(true)
    expect(mk.calls).toBe(1)

    const lonely = new GatedMasterKey()
    const c2 = new EnvelopeClient({ keyring: lonely, cache: true })
    const [a, b] = [new AbortController(), new AbortController()]
    const both = [codeOf(c2.encrypt(pt, { signal: a.signal })), codeOf(c2.encrypt(pt, { signal: b.signal }))]
    await tick()
    a.abort()
    await tick()
    expect(lonely.signals[0]?.aborted).toBe(false)
    b.abort()
    expect(await Promise.all(both)).toEqual(['FailedOperation.Aborted', 'FailedOperation.Aborted'])
    expect(lonely.signals[0]?.aborted).toBe(true)
    const again = c2.encrypt(pt)
    await tick()
    expect(lonely.calls).toBe(2)
    lonely.release()
    expect((await c2.decrypt(await again)).plaintext.equals(pt)).toBe(true)
    // An already aborted signal never joins (or starts) a fetch.
    const gone = new AbortController()
    gone.abort()
    expect(await codeOf(c2.encrypt(pt, { signal: gone.signal }))).toBe('FailedOperation.Aborted')
  })

  it('rejects invalid limits', () => {
    expect(() => new DataKeyCache({ maxMessages: 0 })).toThrow(/maxMessages/)
    expect(() => new DataKeyCache({ maxAgeMs: -1 })).toThrow(/maxAgeMs/)
  })
})
