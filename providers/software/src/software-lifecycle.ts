import { randomUUID } from 'node:crypto'
import {
  KEY_ORIGINS, KEY_STATES, KEY_USAGES, KEY_USAGE_TABLE,
  checkAlias, checkCreateKey, checkDescription, checkInt, checkKeyId, checkOneOf, checkPendingWindow, checkString, needs, zeroize,
  type CallOptions, type KeyMetadata, type ListKeysRequest, type ListKeysResult,
} from '@keyward/core'
import { PUBLIC_KEY_RECORD } from './asymmetric-ops.js'
import { generateKeyPairDer, type AsymmetricSpec } from './crypto/key-pairs.js'
import type { KeyBook } from './key-book.js'
import { DAY_SECONDS, requireState } from './key-rules.js'
import { SoftwareProviderBase } from './provider-base.js'
import type { SoftwareCreateKeyRequest } from './provider-options.js'

/** Record marking a key whose material may leave the provider wrapped (exportWrappedKeyMaterial). */
export const EXPORTABLE_RECORD = 'exportable'

/**
 * Key lifecycle of the software provider, with Tencent KMS's state rules: create, describe, list, alias and
 * description, enable/disable, deletion window, archive (rotation: SoftwareKeyRotation). Each public method
 * checks its input, then does the work in an `on*` or `transition` method under the key book's write lock.
 */
export abstract class SoftwareKeyLifecycle extends SoftwareProviderBase {
  /**
   * CreateKey. Type 1 generates material now (AES-256 or SM4, RSA-2048, P-256, SM2); Type 2 (EXTERNAL)
   * starts PendingImport. `exportable: true` allows exportWrappedKeyMaterial for a symmetric key.
   */
  async createKey(req: SoftwareCreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    const book = this.live(opts)
    checkCreateKey(req)
    /* Precondition: exportable is a boolean and applies to symmetric keys only. */
    needs(req.exportable === undefined || typeof req.exportable === 'boolean', 'InvalidParameterValue', 'exportable must be a boolean.')
    needs(!req.exportable || (req.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT', 'InvalidParameterValue', 'Only ENCRYPT_DECRYPT keys can be exportable.')
    return book.exclusive(() => this.onCreateKey(book, req))
  }

  protected async onCreateKey(book: KeyBook, req: SoftwareCreateKeyRequest): Promise<KeyMetadata> {
    const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    const symmetric = usage === 'ENCRYPT_DECRYPT'
    const type = req.type ?? 1
    const keySpec = symmetric ? (req.keySpec ?? 'AES_256') : KEY_USAGE_TABLE[usage].keySpec
    // Generate before inserting, so that a key kind we cannot make leaves nothing behind.
    const pair = !symmetric ? generateKeyPairDer(keySpec as AsymmetricSpec) : undefined
    const now = book.now()
    const key: KeyMetadata = {
      keyId: req.keyId ?? randomUUID(), alias: req.alias, description: req.description ?? '',
      keyState: type === 2 ? 'PendingImport' : 'Enabled', keyUsage: usage, keySpec,
      origin: type === 2 ? 'EXTERNAL' : 'TENCENT_KMS', type, createTime: now, deletionDate: 0, validTo: 0,
      keyRotationEnabled: false, nextRotateTime: 0, rotateDays: 0, lastRotateTime: 0,
      keyVersionCount: type === 2 ? 0 : 1, owner: 'user',
    }
    try {
      await book.store.insertKey(key)
      try {
        if (pair) {
          await book.addVersion(key.keyId, pair.privatePkcs8)
          await book.store.putRecord(key.keyId, PUBLIC_KEY_RECORD, pair.publicSpki)
        } else if (type === 1) {
          await book.addSymmetricVersion(key.keyId, keySpec === 'SM4' ? 'SM4' : 'AES_256')
        }
        if (req.exportable) await book.store.putRecord(key.keyId, EXPORTABLE_RECORD, Uint8Array.of(1))
      } catch (e) {
        await book.store.deleteKey(key.keyId).catch(() => undefined)
        throw e
      }
    } finally {
      zeroize(pair?.privatePkcs8)
    }
    return { ...key }
  }

  /** DescribeKey. */
  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    const book = this.live(opts)
    checkKeyId(keyId)
    return book.get(keyId)
  }

  /** ListKeyDetail: filters and paging as core's filterKeys, newest first. */
  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    const book = this.live(opts)
    /* Precondition: offset ≥ 0, limit 1-1000, filters from the tables. */
    needs(req !== null && typeof req === 'object', 'InvalidParameter', 'ListKeys needs a request object.')
    if (req.offset !== undefined) checkInt('Offset', req.offset, 0, Number.MAX_SAFE_INTEGER)
    if (req.limit !== undefined) checkInt('Limit', req.limit, 1, 1000)
    if (req.keyState !== undefined) checkOneOf('KeyState', req.keyState, KEY_STATES)
    if (req.keyUsage !== undefined) checkOneOf('KeyUsage', req.keyUsage, KEY_USAGES)
    if (req.origin !== undefined) checkOneOf('Origin', req.origin, KEY_ORIGINS)
    if (req.searchKeyAlias !== undefined) checkString('SearchKeyAlias', req.searchKeyAlias, 128, 0) // a substring of an alias or of a KeyId (≤ 128)
    await book.sweep()
    const page = await book.store.listKeys(req)
    return { ...page, keys: await Promise.all(page.keys.map((k) => book.withVersionCount(k))) }
  }

  /** UpdateAlias: aliases are unique (AliasAlreadyExists). */
  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    checkAlias(alias)
    await book.exclusive(async () => { await book.get(keyId, true); await book.store.updateKey(keyId, { alias }) })
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    checkDescription(description)
    await book.exclusive(async () => { await book.get(keyId, true); await book.store.updateKey(keyId, { description }) })
  }

  /** EnableKey: Disabled → Enabled (Enabled stays). */
  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await this.transition(book, keyId, ['Enabled', 'Disabled'], 'EnableKey', () => ({ keyState: 'Enabled' }))
  }

  /** DisableKey: Enabled → Disabled; a disabled key refuses every cryptographic use, decrypt included. */
  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await this.transition(book, keyId, ['Enabled', 'Disabled'], 'DisableKey', () => ({ keyState: 'Disabled' }))
  }

  /**
   * ScheduleKeyDeletion (7-30 days). As in Tencent KMS the key must be Disabled (or still PendingImport);
   * an Enabled key is ResourceUnavailable.CmkShouldBeDisabled. The purge happens lazily once the window ends.
   */
  async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number, opts?: CallOptions): Promise<{ deletionDate: number }> {
    const book = this.live(opts)
    checkKeyId(keyId)
    checkPendingWindow(pendingWindowInDays)
    return book.exclusive(() => this.onScheduleKeyDeletion(book, keyId, pendingWindowInDays))
  }

  protected async onScheduleKeyDeletion(book: KeyBook, keyId: string, pendingWindowInDays: number): Promise<{ deletionDate: number }> {
    const key = await book.get(keyId, true)
    needs(key.keyState !== 'Enabled', 'ResourceUnavailable.CmkShouldBeDisabled', `Disable key ${keyId} before scheduling its deletion.`)
    requireState(key, ['Disabled', 'PendingImport'], 'ScheduleKeyDeletion')
    const deletionDate = book.now() + pendingWindowInDays * DAY_SECONDS
    await book.store.updateKey(keyId, { keyState: 'PendingDelete', deletionDate })
    return { deletionDate }
  }

  /** CancelKeyDeletion: back to Disabled, as Tencent (PendingImport when the key has no material). */
  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await this.transition(book, keyId, ['PendingDelete'], 'CancelKeyDeletion', async () => ({
      keyState: (await book.store.latestVersion(keyId)) === 0 ? 'PendingImport' : 'Disabled',
      deletionDate: 0,
    }))
  }

  /** ArchiveKey: Enabled or Disabled → Archived (refuses use with CmkArchived). */
  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await this.transition(book, keyId, ['Enabled', 'Disabled', 'Archived'], 'ArchiveKey', () => ({ keyState: 'Archived' }))
  }

  /** CancelKeyArchive: Archived → Enabled. */
  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await this.transition(book, keyId, ['Archived'], 'CancelKeyArchive', () => ({ keyState: 'Enabled' }))
  }

  /** Applies `patch` under the write lock if the key is in one of the `from` states. */
  protected async transition(
    book: KeyBook,
    keyId: string,
    from: KeyMetadata['keyState'][],
    action: string,
    patch: (key: KeyMetadata) => Partial<KeyMetadata> | Promise<Partial<KeyMetadata>>,
  ): Promise<void> {
    await book.exclusive(async () => {
      const key = await book.get(keyId, true)
      requireState(key, from, action)
      await book.store.updateKey(keyId, await patch(key))
    })
  }
}
