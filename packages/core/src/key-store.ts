import { KeywardError } from './errors.js'
import type { KeyMetadata, KeyState } from './key-metadata.js'
import type { ListKeysRequest, ListKeysResult } from './key-provider.js'

/**
 * Where a provider keeps what a key is: its metadata, its versions' material and named records (import
 * parameters, ...). Material is provider-defined and opaque to the store: the software provider stores key
 * material encrypted under its root key; the PKCS#11 provider stores a reference to a token object. Stores never
 * see plaintext key material.
 *
 * Implementations: {@link MemoryKeyStore} (tests), SqliteKeyStore (providers/software, the default) and a
 * PostgreSQL store (packages/server, for several server instances sharing one database).
 *
 * **A KeyId is never reused.** Deleting a key leaves a tombstone of its KeyId, and inserting a key under a KeyId
 * that exists or ever existed fails, as Tencent and AWS never reuse key ids: a grant, policy, cached handle or
 * ciphertext that names an old key can then never come to mean a new one.
 */
export interface KeyStore {
  /**
   * Inserts a key. Throws InvalidParameterValue.AliasAlreadyExists when the alias is taken, InvalidParameterValue
   * when the KeyId exists or ever existed (tombstone).
   */
  insertKey(metadata: KeyMetadata): Promise<void>
  getKey(keyId: string): Promise<KeyMetadata | undefined>
  getKeyByAlias(alias: string): Promise<KeyMetadata | undefined>
  listKeys(filter?: ListKeysRequest): Promise<ListKeysResult>
  /** Applies `patch`. Throws AliasAlreadyExists on an alias clash, CmkNotFound when the key is gone. */
  updateKey(keyId: string, patch: Partial<Omit<KeyMetadata, 'keyId'>>): Promise<KeyMetadata>
  /** Removes the key with all its versions and records, keeping its KeyId as a tombstone (never reused). */
  deleteKey(keyId: string): Promise<void>

  /** Appends a version and returns its number (1, 2, ...). */
  addVersion(keyId: string, material: Uint8Array): Promise<number>
  /**
   * Optional. Appends a version whose material depends on its own number (e.g. sealed with AAD naming the
   * version), choosing the number and storing `make(number)` atomically, so that two processes adding a
   * version to one key at once cannot mislabel each other's. Providers fall back to addVersion when absent.
   */
  addVersionWith?(keyId: string, make: (version: number) => Uint8Array): Promise<number>
  getVersion(keyId: string, version: number): Promise<Uint8Array | undefined>
  /** Highest version number, 0 when there is none. */
  latestVersion(keyId: string): Promise<number>
  /** Drops every version (DeleteImportedKeyMaterial). */
  deleteVersions(keyId: string): Promise<void>

  /** Named per-key records, e.g. the current import token. `undefined` deletes. */
  putRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void>
  getRecord(keyId: string, name: string): Promise<Uint8Array | undefined>

  close(): Promise<void>
}

const DEFAULT_LIMIT = 200

/** Filters and pages keys the way Tencent's ListKeyDetail does: newest first. */
export function filterKeys(all: Iterable<KeyMetadata>, filter: ListKeysRequest = {}): ListKeysResult {
  const search = filter.searchKeyAlias?.toLowerCase()
  const matched = [...all]
    .filter(
      (k) =>
        (filter.keyState === undefined || k.keyState === filter.keyState) &&
        (filter.keyUsage === undefined || k.keyUsage === filter.keyUsage) &&
        (filter.origin === undefined || k.origin === filter.origin) &&
        (search === undefined || k.alias.toLowerCase().includes(search) || k.keyId.toLowerCase().includes(search)),
    )
    .sort((a, b) => b.createTime - a.createTime || a.keyId.localeCompare(b.keyId))
  const offset = filter.offset ?? 0
  const limit = filter.limit ?? DEFAULT_LIMIT
  return { keys: matched.slice(offset, offset + limit), totalCount: matched.length }
}

function notFound(keyId: string): KeywardError {
  return new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
}

function aliasTaken(alias: string): KeywardError {
  return new KeywardError('InvalidParameterValue.AliasAlreadyExists', `Alias ${alias} is already used by another key.`)
}

/** A KeyStore in memory: for tests and throwaway tools. Copies in and out so callers cannot alias its state. */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, KeyMetadata>()
  readonly #versions = new Map<string, Uint8Array[]>()
  readonly #records = new Map<string, Uint8Array>()
  /** KeyIds of deleted keys: never reused. */
  readonly #tombstones = new Set<string>()

  async insertKey(metadata: KeyMetadata): Promise<void> {
    if (this.#keys.has(metadata.keyId) || this.#tombstones.has(metadata.keyId)) {
      throw new KeywardError(
        'InvalidParameterValue',
        `Key ${metadata.keyId} exists or existed; a KeyId is never reused.`,
      )
    }
    if (await this.getKeyByAlias(metadata.alias)) throw aliasTaken(metadata.alias)
    this.#keys.set(metadata.keyId, { ...metadata })
    this.#versions.set(metadata.keyId, [])
  }
  async getKey(keyId: string): Promise<KeyMetadata | undefined> {
    const k = this.#keys.get(keyId)
    return k && { ...k }
  }
  async getKeyByAlias(alias: string): Promise<KeyMetadata | undefined> {
    for (const k of this.#keys.values()) if (k.alias === alias) return { ...k }
    return undefined
  }
  async listKeys(filter?: ListKeysRequest): Promise<ListKeysResult> {
    return filterKeys(
      [...this.#keys.values()].map((k) => ({ ...k })),
      filter,
    )
  }
  async updateKey(keyId: string, patch: Partial<Omit<KeyMetadata, 'keyId'>>): Promise<KeyMetadata> {
    const k = this.#keys.get(keyId)
    if (!k) throw notFound(keyId)
    if (patch.alias !== undefined && patch.alias !== k.alias) {
      const other = await this.getKeyByAlias(patch.alias)
      if (other) throw aliasTaken(patch.alias)
    }
    const next = { ...k, ...patch, keyId }
    this.#keys.set(keyId, next)
    return { ...next }
  }
  async deleteKey(keyId: string): Promise<void> {
    if (this.#keys.delete(keyId)) this.#tombstones.add(keyId)
    for (const v of this.#versions.get(keyId) ?? []) v.fill(0)
    this.#versions.delete(keyId)
    for (const name of [...this.#records.keys()]) if (name.startsWith(`${keyId}\0`)) this.#records.delete(name)
  }
  async addVersion(keyId: string, material: Uint8Array): Promise<number> {
    const list = this.#versions.get(keyId)
    if (!list) throw notFound(keyId)
    list.push(Uint8Array.from(material))
    return list.length
  }
  async addVersionWith(keyId: string, make: (version: number) => Uint8Array): Promise<number> {
    const list = this.#versions.get(keyId)
    if (!list) throw notFound(keyId)
    list.push(Uint8Array.from(make(list.length + 1)))
    return list.length
  }
  async getVersion(keyId: string, version: number): Promise<Uint8Array | undefined> {
    const v = this.#versions.get(keyId)?.[version - 1]
    return v && Uint8Array.from(v)
  }
  async latestVersion(keyId: string): Promise<number> {
    return this.#versions.get(keyId)?.length ?? 0
  }
  async deleteVersions(keyId: string): Promise<void> {
    for (const v of this.#versions.get(keyId) ?? []) v.fill(0)
    if (this.#versions.has(keyId)) this.#versions.set(keyId, [])
  }
  async putRecord(keyId: string, name: string, value: Uint8Array | undefined): Promise<void> {
    if (value === undefined) this.#records.delete(`${keyId}\0${name}`)
    else this.#records.set(`${keyId}\0${name}`, Uint8Array.from(value))
  }
  async getRecord(keyId: string, name: string): Promise<Uint8Array | undefined> {
    const r = this.#records.get(`${keyId}\0${name}`)
    return r && Uint8Array.from(r)
  }
  async close(): Promise<void> {
    this.#keys.clear()
    this.#versions.clear()
    this.#records.clear()
  }
}

/** States in which a key may be used for cryptographic operations. */
export const USABLE_KEY_STATES: readonly KeyState[] = ['Enabled']
