import {
  KEY_ORIGINS,
  KEY_STATES,
  KEY_USAGES,
  LIMITS,
  checkAlias,
  checkDescription,
  checkOneOf,
  checkPendingWindow,
  checkRotateDays,
  checkString,
  needs,
  type CallOptions,
  type KeyMetadata,
  type KeyRotationStatus,
  type ListKeysRequest,
  type ListKeysResult,
} from '@keyward/core'
import { KeyLifecycle } from './key-lifecycle.js'

const DAY = 86_400

/**
 * The KMS management actions over the lifecycle base, with Tencent KMS semantics: DescribeKey / ListKeys, alias
 * and description, Enable / Disable, ScheduleKeyDeletion (the key must be Disabled first) / Cancel, rotation
 * (ENCRYPT_DECRYPT keys of origin TENCENT_KMS only), Archive / CancelKeyArchive.
 */
export abstract class KeyAdmin extends KeyLifecycle {
  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    this.live(opts)
    return this.loadKey(keyId)
  }

  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    this.live(opts)
    this.assertOpen()
    needs(req !== null && typeof req === 'object', 'InvalidParameterValue', 'ListKeys needs a request object.')
    if (req.limit !== undefined) needs(Number.isInteger(req.limit) && req.limit >= 1 && req.limit <= 1000, 'InvalidParameterValue', 'Limit must be an integer from 1 to 1000.')
    if (req.offset !== undefined) needs(Number.isInteger(req.offset) && req.offset >= 0, 'InvalidParameterValue', 'Offset must be a non-negative integer.')
    if (req.keyState !== undefined) checkOneOf('KeyState', req.keyState, KEY_STATES)
    if (req.keyUsage !== undefined) checkOneOf('KeyUsage', req.keyUsage, KEY_USAGES)
    if (req.origin !== undefined) checkOneOf('Origin', req.origin, KEY_ORIGINS)
    if (req.searchKeyAlias !== undefined) checkString('SearchKeyAlias', req.searchKeyAlias, LIMITS.maxAliasChars + 68, 0)
    await this.sweep()
    return this.store.listKeys(req)
  }

  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    checkAlias(alias)
    await this.loadKey(keyId)
    await this.withAliasLock(() => this.store.updateKey(keyId, { alias }))
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    checkDescription(description)
    await this.loadKey(keyId)
    await this.store.updateKey(keyId, { description })
  }

  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    if (meta.keyState === 'Enabled') return
    needs(meta.keyState === 'Disabled', meta.keyState === 'Archived' ? 'ResourceUnavailable.CmkArchived' : 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is ${meta.keyState}; only a Disabled key can be enabled.`)
    await this.store.updateKey(keyId, { keyState: 'Enabled' })
  }

  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    if (meta.keyState === 'Disabled') return
    needs(meta.keyState === 'Enabled', meta.keyState === 'Archived' ? 'ResourceUnavailable.CmkArchived' : 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is ${meta.keyState}; only an Enabled key can be disabled.`)
    await this.store.updateKey(keyId, { keyState: 'Disabled' })
  }

  /** Tencent semantics: the key must be Disabled (or PendingImport) first. */
  async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number, opts?: CallOptions): Promise<{ deletionDate: number }> {
    this.live(opts)
    checkPendingWindow(pendingWindowInDays)
    const meta = await this.loadKey(keyId)
    needs(meta.keyState !== 'Enabled' && meta.keyState !== 'Archived', 'ResourceUnavailable.CmkShouldBeDisabled', `Key ${keyId} is ${meta.keyState}; disable it before scheduling its deletion.`)
    needs(meta.keyState !== 'PendingDelete', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is already pending deletion.`)
    const deletionDate = this.now() + pendingWindowInDays * DAY
    await this.store.updateKey(keyId, { keyState: 'PendingDelete', deletionDate })
    return { deletionDate }
  }

  /** Back to Disabled, or PendingImport when an EXTERNAL key has no material. */
  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    needs(meta.keyState === 'PendingDelete', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is not pending deletion.`)
    const hasMaterial = (await this.store.latestVersion(keyId)) > 0
    await this.store.updateKey(keyId, { keyState: hasMaterial ? 'Disabled' : 'PendingImport', deletionDate: 0 })
  }

  #needsRotatable(meta: KeyMetadata): void {
    needs(meta.keyUsage === 'ENCRYPT_DECRYPT', 'UnsupportedOperation.UnsupportedKeyUsage', 'Only ENCRYPT_DECRYPT keys rotate.')
    needs(meta.origin === 'TENCENT_KMS', 'UnsupportedOperation', 'EXTERNAL (imported) keys do not rotate.')
  }

  async enableKeyRotation(keyId: string, rotateDays: number = LIMITS.defaultRotateDays, opts?: CallOptions): Promise<void> {
    this.live(opts)
    checkRotateDays(rotateDays)
    const meta = await this.loadKey(keyId)
    this.#needsRotatable(meta)
    needs(meta.keyState === 'Enabled' || meta.keyState === 'Disabled', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is ${meta.keyState}.`)
    await this.store.updateKey(keyId, { keyRotationEnabled: true, rotateDays, nextRotateTime: this.now() + rotateDays * DAY })
  }

  async disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    this.#needsRotatable(meta)
    await this.store.updateKey(keyId, { keyRotationEnabled: false, nextRotateTime: 0 })
  }

  async getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    this.live(opts)
    const m = await this.loadKey(keyId)
    return { keyRotationEnabled: m.keyRotationEnabled, rotateDays: m.rotateDays, nextRotateTime: m.nextRotateTime, lastRotateTime: m.lastRotateTime, keyVersionCount: m.keyVersionCount }
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.usableKey(keyId)
    this.#needsRotatable(meta)
    await this.rotateOnce(meta)
  }

  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    if (meta.keyState === 'Archived') return
    needs(meta.keyState === 'Enabled', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is ${meta.keyState}; only an Enabled key can be archived.`)
    await this.store.updateKey(keyId, { keyState: 'Archived' })
  }

  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    const meta = await this.loadKey(keyId)
    needs(meta.keyState === 'Archived', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is not archived.`)
    await this.store.updateKey(keyId, { keyState: 'Enabled' })
  }
}
