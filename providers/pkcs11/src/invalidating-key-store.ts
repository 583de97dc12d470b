import type { KeyMetadata, KeyStore, ListKeysRequest, ListKeysResult } from '@keyward/core'
import type { MetadataCache } from './metadata-cache.js'

/**
 * The provider's key store seen through its {@link MetadataCache}: every write drops the key's cached metadata
 * before it starts and again once it is done (a read that raced the write cannot leave the old state behind),
 * so no lifecycle change made by this process can be missed, whichever code path makes it.
 */
export class InvalidatingKeyStore implements KeyStore {
  readonly #inner: KeyStore
  readonly #cache: MetadataCache
  readonly addVersionWith?: (keyId: string, make: (version: number) => Uint8Array) => Promise<number>

  constructor(inner: KeyStore, cache: MetadataCache) {
    this.#inner = inner
    this.#cache = cache
    const withFn = inner.addVersionWith?.bind(inner)
    if (withFn) this.addVersionWith = (keyId, make) => this.#write(keyId, () => withFn(keyId, make))
  }

  async #write<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
    this.#cache.invalidate(keyId)
    try {
      return await fn()
    } finally {
      this.#cache.invalidate(keyId)
    }
  }

  insertKey(metadata: KeyMetadata): Promise<void> {
    return this.#write(metadata.keyId, () => this.#inner.insertKey(metadata))
  }
  getKey(keyId: string): Promise<KeyMetadata | undefined> {
    return this.#inner.getKey(keyId)
  }
  getKeyByAlias(alias: string): Promise<KeyMetadata | undefined> {
    return this.#inner.getKeyByAlias(alias)
  }
  listKeys(filter?: ListKeysRequest): Promise<ListKeysResult> {
    return this.#inner.listKeys(filter)
  }
  updateKey(keyId: string, patch: Partial<Omit<KeyMetadata, 'keyId'>>): Promise<KeyMetadata> {
    return this.#write(keyId, () => this.#inner.updateKey(keyId, patch))
  }
  deleteKey(keyId: string): Promise<void> {
    return this.#write(keyId, () => this.#inner.deleteKey(keyId))
  }
  addVersion(keyId: string, material: Uint8Array): Promise<number> {
    return this.#write(keyId, () => this.#inner.addVersion(keyId, material))
  }
  getVersion(keyId: string, version: number): Promise<Uint8Array | undefined> {
    return this.#inner.getVersion(keyId, version)
  }
  latestVersion(keyId: string): Promise<number> {
    return this.#inner.latestVersion(keyId)
  }
  deleteVersions(keyId: string): Promise<void> {
    return this.#write(keyId, () => this.#inner.deleteVersions(keyId))
  }
  putRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void> {
    return this.#write(keyId, () => this.#inner.putRecord(keyId, name, value))
  }
  getRecord(keyId: string, name: string): Promise<Uint8Array | undefined> {
    return this.#inner.getRecord(keyId, name)
  }
  close(): Promise<void> {
    this.#cache.clear()
    return this.#inner.close()
  }
}
