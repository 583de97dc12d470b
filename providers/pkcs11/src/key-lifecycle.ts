import { randomUUID } from 'node:crypto'
import { InvalidatingKeyStore } from './invalidating-key-store.js'
import { MetadataCache } from './metadata-cache.js'
import {
  KEY_USAGE_TABLE,
  KeywardError,
  checkCreateKey,
  checkKeyId,
  isKeywardError,
  unixSeconds,
  type CallOptions,
  type Clock,
  type CreateKeyRequest,
  type KeyMetadata,
  type KeyStore,
} from '@keyward/core'

const DAY = 86_400

/**
 * Key metadata and lifecycle over a {@link KeyStore}, with Tencent KMS semantics: what the token cannot hold
 * (alias, state, deletion date, rotation schedule, versions). Time-driven transitions happen lazily when a key
 * is loaded: a PendingDelete key past its date is purged, EXTERNAL material past ValidTo is deleted
 * (→ PendingImport), a key due for rotation gets its new version.
 *
 * Subclasses create and destroy the material of versions (`onCreateVersion`, `onDestroyMaterial`).
 */
export abstract class KeyLifecycle {
  protected readonly store: KeyStore
  protected readonly clock: Clock
  readonly #rotating = new Map<string, Promise<void>>()
  /** CKA_ID references of key versions by `<KeyId>/<version>`, dropped with the versions. */
  protected readonly versionRefs = new Map<string, Buffer>()
  /** Alias writes run one at a time: a store's check-then-insert is not atomic across its awaits. */
  #aliasQueue: Promise<unknown> = Promise.resolve()
  readonly #metadata: MetadataCache

  /** `metadataCacheMs`: how long another process's state change may go unseen (0: read the store every call). */
  constructor(store: KeyStore, clock: Clock, metadataCacheMs = 0) {
    this.#metadata = new MetadataCache(metadataCacheMs)
    this.store = new InvalidatingKeyStore(store, this.#metadata)
    this.clock = clock
  }

  /** Creates the material of the next version; returns what the store keeps for it (a reference, not bytes). */
  protected abstract onCreateVersion(meta: KeyMetadata, version: number): Promise<Uint8Array>
  /** Destroys the material of every version (and import keys) of a key. */
  protected abstract onDestroyMaterial(keyId: string): Promise<void>
  /** Throws ProviderUnavailable when closed. */
  protected abstract assertOpen(): void

  /** Every public call starts here: a closed provider or an aborted signal stops it before any work. */
  protected live(opts?: CallOptions): void {
    this.assertOpen()
    if (opts?.signal?.aborted) throw new KeywardError('FailedOperation.Aborted', 'The call was aborted.', { cause: opts.signal.reason })
  }

  /** Runs alias-changing store writes one after another. */
  protected withAliasLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#aliasQueue.then(fn, fn)
    this.#aliasQueue = run.catch(() => undefined)
    return run
  }

  /** Forgets cached version references of a key whose versions were deleted. */
  protected dropVersionRefs(keyId: string): void {
    for (const k of [...this.versionRefs.keys()]) if (k.startsWith(`${keyId}/`)) this.versionRefs.delete(k)
  }

  protected now(): number {
    return unixSeconds(this.clock)
  }

  /** Inserts the metadata of a new key; material is added by the caller. */
  protected async insertNewKey(req: CreateKeyRequest): Promise<KeyMetadata> {
    checkCreateKey(req)
    const keyUsage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    const external = req.type === 2
    const meta: KeyMetadata = {
      keyId: req.keyId ?? randomUUID(),
      alias: req.alias,
      description: req.description ?? '',
      keyState: external ? 'PendingImport' : 'Enabled',
      keyUsage,
      keySpec: keyUsage === 'ENCRYPT_DECRYPT' ? (req.keySpec ?? 'AES_256') : KEY_USAGE_TABLE[keyUsage].keySpec,
      origin: external ? 'EXTERNAL' : 'TENCENT_KMS',
      type: external ? 2 : 1,
      createTime: this.now(),
      deletionDate: 0,
      validTo: 0,
      keyRotationEnabled: false,
      nextRotateTime: 0,
      rotateDays: 0,
      lastRotateTime: 0,
      keyVersionCount: 0,
      owner: 'user',
    }
    await this.withAliasLock(() => this.store.insertKey(meta))
    return meta
  }

  /** Whether a time-driven transition (purge, imported-material expiry, rotation) is due for `meta`. */
  protected isDue(meta: KeyMetadata, now: number = this.now()): boolean {
    return (meta.keyState === 'PendingDelete' && meta.deletionDate > 0 && meta.deletionDate <= now)
      || (meta.origin === 'EXTERNAL' && meta.validTo > 0 && meta.validTo <= now && (meta.keyState === 'Enabled' || meta.keyState === 'Disabled'))
      || (meta.keyRotationEnabled && meta.keyState === 'Enabled' && meta.nextRotateTime > 0 && meta.nextRotateTime <= now)
  }

  /**
   * Applies due transitions to every key (before ListKeys, as the software provider does), so that a listing
   * never shows a key whose deletion date has passed: its token objects and metadata are purged here.
   */
  protected async sweep(): Promise<void> {
    const now = this.now()
    const due: string[] = []
    for (let offset = 0; ; offset += 1000) {
      const page = await this.store.listKeys({ offset, limit: 1000 })
      for (const k of page.keys) if (this.isDue(k, now)) due.push(k.keyId)
      if (offset + 1000 >= page.totalCount) break
    }
    // Collected first: purging while paging would shift the offsets.
    for (const keyId of due) {
      await this.loadKey(keyId).catch((e: unknown) => {
        if (!isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) throw e
      })
    }
  }

  /** Loads a key after applying due time-driven transitions; CmkNotFound when there is none. */
  protected async loadKey(keyId: string): Promise<KeyMetadata> {
    this.assertOpen()
    checkKeyId(keyId)
    let meta = await this.store.getKey(keyId)
    if (!meta) throw new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
    const now = this.now()
    if (meta.keyState === 'PendingDelete' && meta.deletionDate > 0 && meta.deletionDate <= now) {
      await this.onDestroyMaterial(keyId)
      await this.store.deleteKey(keyId)
      this.dropVersionRefs(keyId)
      throw new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
    }
    if (meta.origin === 'EXTERNAL' && meta.validTo > 0 && meta.validTo <= now && (meta.keyState === 'Enabled' || meta.keyState === 'Disabled')) {
      await this.onDestroyMaterial(keyId)
      await this.store.deleteVersions(keyId)
      this.dropVersionRefs(keyId)
      meta = await this.store.updateKey(keyId, { keyState: 'PendingImport', keyVersionCount: 0 })
    }
    if (meta.keyRotationEnabled && meta.keyState === 'Enabled' && meta.nextRotateTime > 0 && meta.nextRotateTime <= now) {
      await this.rotateOnce(meta)
      meta = (await this.store.getKey(keyId)) ?? meta
    }
    return meta
  }

  /** Loads a key that must be Enabled for a cryptographic operation (Archived keys still decrypt, as in Tencent KMS). */
  protected async usableKey(keyId: string, purpose: 'use' | 'decrypt' = 'use'): Promise<Readonly<KeyMetadata>> {
    const cached = this.cachedUsableKey(keyId, purpose)
    if (cached) return cached
    const generation = this.#metadata.generation
    const meta = await this.loadKey(keyId)
    this.#metadata.set(meta, generation)
    return this.#usable(meta, purpose)
  }

  /**
   * {@link usableKey} without a store read or an await, when the metadata cache holds the key and no
   * time-driven transition is due; undefined otherwise (then call usableKey). Throws for an unusable state.
   */
  protected cachedUsableKey(keyId: string, purpose: 'use' | 'decrypt' = 'use'): Readonly<KeyMetadata> | undefined {
    this.assertOpen()
    const meta = this.#metadata.get(keyId)
    // A cached entry never skips a due transition (purge, expiry, rotation): those take the store path.
    if (!meta || this.isDue(meta)) return undefined
    return this.#usable(meta, purpose)
  }

  #usable(meta: Readonly<KeyMetadata>, purpose: 'use' | 'decrypt'): Readonly<KeyMetadata> {
    if (purpose === 'decrypt' && meta.keyState === 'Archived') return meta
    switch (meta.keyState) {
      case 'Enabled': return meta
      case 'Disabled': throw new KeywardError('ResourceUnavailable.CmkDisabled', `Key ${meta.keyId} is disabled.`)
      case 'Archived': throw new KeywardError('ResourceUnavailable.CmkArchived', `Key ${meta.keyId} is archived.`)
      default: throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${meta.keyId} is ${meta.keyState}.`)
    }
  }

  /** Adds a version (creation, rotation); concurrent rotations of one key coalesce. */
  protected async addVersion(meta: KeyMetadata): Promise<number> {
    const version = (await this.store.latestVersion(meta.keyId)) + 1
    const ref = await this.onCreateVersion(meta, version)
    const added = await this.store.addVersion(meta.keyId, ref)
    await this.store.updateKey(meta.keyId, { keyVersionCount: added })
    return added
  }

  /** Adds a version now and updates the rotation dates; concurrent rotations of one key coalesce. */
  protected rotateOnce(meta: KeyMetadata): Promise<void> {
    const running = this.#rotating.get(meta.keyId)
    if (running) return running
    const p = (async () => {
      await this.addVersion(meta)
      const now = this.now()
      await this.store.updateKey(meta.keyId, { lastRotateTime: now, ...(meta.keyRotationEnabled ? { nextRotateTime: now + meta.rotateDays * DAY } : {}) })
    })().finally(() => this.#rotating.delete(meta.keyId))
    this.#rotating.set(meta.keyId, p)
    return p
  }
}
