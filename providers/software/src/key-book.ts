import { randomBytes } from 'node:crypto'
import { KeywardError, unixSeconds, zeroize, type Clock, type KeyMetadata, type KeyStore } from '@keyward/core'
import { DAY_SECONDS } from './key-rules.js'
import type { RootKey } from './root-key.js'

/** How many unsealed key versions a provider keeps at most (see {@link KeyBook.openVersion}). */
export const OPENED_CACHE_SIZE = 256

/** Bytes of a symmetric key version's material per spec. */
export const SYMMETRIC_MATERIAL_BYTES = { AES_256: 32, SM4: 16 } as const

function materialLabel(keyId: string, version: number): string {
  return `material\0${keyId}\0${version}`
}

/**
 * The provider's view of its key store: metadata with the lazy housekeeping a clock drives (purge after the
 * deletion window, imported material expiry, automatic rotation), and key material sealed under the root
 * key on the way in and opened on the way out. Writes are serialised per provider so that read-modify-write
 * sequences (a version number, then its sealed material) cannot interleave.
 */
export class KeyBook {
  readonly #opened = new Map<string, { sealed: Buffer; plain: Buffer }>()
  #tail: Promise<unknown> = Promise.resolve()

  constructor(
    readonly store: KeyStore,
    readonly root: RootKey,
    readonly clock: Clock,
  ) {}

  /** Unix seconds now. */
  now(): number {
    return unixSeconds(this.clock)
  }

  /** Runs `fn` after every write queued before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn)
    this.#tail = run.catch(() => undefined)
    return run
  }

  /**
   * The key, after due housekeeping; CmkNotFound when it does not exist (or was just purged). Pass
   * `locked` when already inside {@link exclusive} (the housekeeping then runs inline instead of queueing
   * behind the caller, which would deadlock).
   */
  async get(keyId: string, locked = false): Promise<KeyMetadata> {
    const key = await this.find(keyId, locked)
    if (!key) throw new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
    return key
  }

  /** Like {@link get}, undefined when absent. */
  async find(keyId: string, locked = false): Promise<KeyMetadata | undefined> {
    const key = await this.store.getKey(keyId)
    if (!key) return undefined
    if (!this.#due(key)) return this.withVersionCount(key)
    const kept = locked
      ? await this.#housekeep(key)
      : await this.exclusive(async () => {
          const fresh = await this.store.getKey(keyId)
          return fresh && (await this.#housekeep(fresh))
        })
    return kept && this.withVersionCount(kept)
  }

  /**
   * `keyVersionCount` as the store's versions say, not as stored: several processes may rotate one key at
   * once (the KeyStore contract has no multi-call transaction), and only the versions themselves are
   * counted atomically. Versions run 1..n, so the newest version is the count.
   */
  async withVersionCount(key: KeyMetadata): Promise<KeyMetadata> {
    const n = await this.store.latestVersion(key.keyId)
    return n === key.keyVersionCount ? key : { ...key, keyVersionCount: n }
  }

  /** Housekeeping for every key (before ListKeys, so that listings show current states). */
  async sweep(): Promise<void> {
    for (let offset = 0; ; offset += 1000) {
      const page = await this.store.listKeys({ offset, limit: 1000 })
      for (const k of page.keys) if (this.#due(k)) await this.find(k.keyId)
      if (offset + 1000 >= page.totalCount) return
    }
  }

  #due(k: KeyMetadata): boolean {
    const now = this.now()
    return (
      (k.keyState === 'PendingDelete' && k.deletionDate > 0 && now >= k.deletionDate) ||
      (k.origin === 'EXTERNAL' &&
        k.keyState !== 'PendingImport' &&
        k.keyState !== 'PendingDelete' &&
        k.validTo > 0 &&
        now >= k.validTo) ||
      (k.keyRotationEnabled && k.keyState === 'Enabled' && k.nextRotateTime > 0 && now >= k.nextRotateTime)
    )
  }

  async #housekeep(k: KeyMetadata): Promise<KeyMetadata | undefined> {
    if (!this.#due(k)) return k
    const now = this.now()
    if (k.keyState === 'PendingDelete') {
      await this.store.deleteKey(k.keyId)
      this.forget(k.keyId)
      return undefined
    }
    if (k.origin === 'EXTERNAL') {
      await this.store.deleteVersions(k.keyId)
      this.forget(k.keyId)
      return this.store.updateKey(k.keyId, { keyState: 'PendingImport', keyVersionCount: 0 })
    }
    const spec = k.keySpec === 'SM4' ? 'SM4' : 'AES_256'
    const version = await this.addSymmetricVersion(k.keyId, spec)
    return this.store.updateKey(k.keyId, {
      lastRotateTime: now,
      nextRotateTime: now + k.rotateDays * DAY_SECONDS,
      keyVersionCount: version,
    })
  }

  /**
   * Seals `plaintext` as the key's next version and stores it; the seal's AAD names the version. With a store
   * that has addVersionWith the number is chosen and sealed in one transaction; otherwise it is predicted under
   * this provider's write lock (call inside {@link exclusive}), which another process on the same store can
   * still race: the loser's row then names the wrong version, never opens, and is followed by a correct one.
   */
  async addVersion(keyId: string, plaintext: Uint8Array): Promise<number> {
    const seal = (version: number): Buffer => this.root.seal(materialLabel(keyId, version), plaintext)
    if (this.store.addVersionWith) return this.store.addVersionWith(keyId, seal)
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = (await this.store.latestVersion(keyId)) + 1
      if ((await this.store.addVersion(keyId, seal(next))) === next) return next
    }
    throw new KeywardError('FailedOperation.StoreError', `Key ${keyId}: versions keep being added concurrently; retry.`)
  }

  /** A fresh random symmetric version (CreateKey, RotateKey); the plaintext is zeroed here. */
  async addSymmetricVersion(keyId: string, spec: keyof typeof SYMMETRIC_MATERIAL_BYTES): Promise<number> {
    const material = randomBytes(SYMMETRIC_MATERIAL_BYTES[spec])
    try {
      return await this.addVersion(keyId, material)
    } finally {
      zeroize(material)
    }
  }

  /**
   * The plaintext material of a version (a copy: the caller zeroes it), undefined when there is no such
   * version. The store is read every time, so another process's changes count; only the unsealing is cached,
   * keyed by the sealed bytes, for at most {@link OPENED_CACHE_SIZE} versions, zeroed on eviction and close.
   */
  async openVersion(keyId: string, version: number): Promise<Buffer | undefined> {
    const sealed = await this.store.getVersion(keyId, version)
    if (!sealed) return undefined
    const id = `${keyId}\0${version}`
    const hit = this.#opened.get(id)
    if (hit && Buffer.compare(hit.sealed, sealed) === 0) return Buffer.from(hit.plain)
    const plain = this.root.open(materialLabel(keyId, version), sealed)
    this.#evict(id)
    this.#opened.set(id, { sealed: Buffer.from(sealed), plain: Buffer.from(plain) })
    if (this.#opened.size > OPENED_CACHE_SIZE) this.#evict(this.#opened.keys().next().value as string)
    return plain
  }

  /** Drops (and zeroes) the cached material of a key whose versions were deleted. */
  forget(keyId: string): void {
    for (const id of [...this.#opened.keys()]) if (id.startsWith(`${keyId}\0`)) this.#evict(id)
  }

  /** Lets queued writes finish, closes the store, then zeroes every cached material and the root key. */
  async close(): Promise<void> {
    await this.exclusive(async () => undefined)
    try {
      await this.store.close()
    } finally {
      for (const id of [...this.#opened.keys()]) this.#evict(id)
      this.root.destroy()
    }
  }

  #evict(id: string): void {
    const e = this.#opened.get(id)
    if (!e) return
    zeroize(e.plain)
    this.#opened.delete(id)
  }

  /** A per-key record sealed under the root key (import parameters, material MAC). */
  async putSealedRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void> {
    await this.store.putRecord(keyId, name, value && this.root.seal(`record\0${keyId}\0${name}`, value))
  }

  async getSealedRecord(keyId: string, name: string): Promise<Buffer | undefined> {
    const sealed = await this.store.getRecord(keyId, name)
    return sealed && this.root.open(`record\0${keyId}\0${name}`, sealed)
  }
}
