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

  constructor(readonly store: KeyStore, readonly root: RootKey, readonly clock: Clock) {}

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
    if (!key || !this.#due(key)) return key
    if (locked) return this.#housekeep(key)
    return this.exclusive(async () => {
      const fresh = await this.store.getKey(keyId)
      return fresh && (await this.#housekeep(fresh))
    })
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
    return (k.keyState === 'PendingDelete' && k.deletionDate > 0 && now >= k.deletionDate)
      || (k.origin === 'EXTERNAL' && k.keyState !== 'PendingImport' && k.keyState !== 'PendingDelete' && k.validTo > 0 && now >= k.validTo)
      || (k.keyRotationEnabled && k.keyState === 'Enabled' && k.nextRotateTime > 0 && now >= k.nextRotateTime)
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
    await this.addSymmetricVersion(k.keyId, spec)
    return this.store.updateKey(k.keyId, {
      lastRotateTime: now,
      nextRotateTime: now + k.rotateDays * DAY_SECONDS,
      keyVersionCount: k.keyVersionCount + 1,
    })
  }

  /** Seals `plaintext` as the key's next version and stores it. Call inside {@link exclusive}. */
  async addVersion(keyId: string, plaintext: Uint8Array): Promise<number> {
    const next = (await this.store.latestVersion(keyId)) + 1
    const version = await this.store.addVersion(keyId, this.root.seal(materialLabel(keyId, next), plaintext))
    if (version !== next) {
      // Another process on the same store added a version between our read and write (the KeyStore contract has
      // no multi-call transaction). The sealed value then names the wrong version and will not open: report it.
      throw new KeywardError('FailedOperation.StoreError', `Key ${keyId}: concurrent version write; retry.`)
    }
    return version
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

  /** Zeroes every cached material (close). */
  forgetAll(): void {
    for (const id of [...this.#opened.keys()]) this.#evict(id)
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
