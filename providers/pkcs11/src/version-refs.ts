import { KeywardError, type KeyMetadata, type KeyStore } from '@keyward/core'

/** A key version and the CKA_ID of its token object. */
export interface VersionRef {
  version: number
  id: Buffer
}

/**
 * The CKA_ID of each key version's token object (what the store keeps as the version's material), cached: a
 * version's reference never changes once written (ids are `<KeyId>/v<n>`, so even material re-imported after a
 * deletion gets the same one). The cached id buffers double as identity keys for per-version caches (blob
 * headers, derived-key ids).
 */
export class VersionRefs {
  readonly #store: KeyStore
  /** By `<KeyId>/<version>`; dropped with the versions. */
  readonly #refs = new Map<string, Buffer>()
  /**
   * The newest version by the (frozen, cached) metadata object itself: no string to build and hash on a hit. A
   * new state is a new object, and a version's reference never changes, so an entry cannot go stale.
   */
  readonly #latestOf = new WeakMap<Readonly<KeyMetadata>, VersionRef>()

  constructor(store: KeyStore) {
    this.#store = store
  }

  /** The CKA_ID of version `version` of `keyId`; undefined when the store has no such version. */
  async id(keyId: string, version: number): Promise<Buffer | undefined> {
    const cacheKey = `${keyId}/${version}`
    const cached = this.#refs.get(cacheKey)
    if (cached) return cached
    const ref = await this.#store.getVersion(keyId, version)
    if (!ref) return undefined
    const id = Buffer.from(ref)
    this.#refs.set(cacheKey, id)
    return id
  }

  /**
   * The newest version: the metadata's count (written after the version itself), else the store's answer.
   * ResourceUnavailable.CmkStateNotSupport when the key has no material.
   */
  async latest(meta: Readonly<KeyMetadata>): Promise<VersionRef> {
    const version = meta.keyVersionCount > 0 ? meta.keyVersionCount : await this.#store.latestVersion(meta.keyId)
    const id = version > 0 ? await this.id(meta.keyId, version) : undefined
    if (!id) throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${meta.keyId} has no key material.`)
    return { version, id }
  }

  /** {@link latest} from the cache alone, without an await; undefined on a miss. */
  latestNow(meta: Readonly<KeyMetadata>): VersionRef | undefined {
    const known = this.#latestOf.get(meta)
    if (known) return known
    const version = meta.keyVersionCount
    const id = version > 0 ? this.#refs.get(`${meta.keyId}/${version}`) : undefined
    if (!id) return undefined
    const latest = { version, id }
    this.#latestOf.set(meta, latest)
    return latest
  }

  /** Forgets the references of a key whose versions were deleted. */
  drop(keyId: string): void {
    for (const k of [...this.#refs.keys()]) if (k.startsWith(`${keyId}/`)) this.#refs.delete(k)
  }
}
