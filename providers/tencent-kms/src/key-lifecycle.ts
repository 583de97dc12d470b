import {
  KEY_ORIGINS,
  KEY_STATES,
  KEY_USAGES,
  KeywardError,
  LIMITS,
  checkAlias,
  checkCreateKey,
  checkDescription,
  checkInt,
  checkKeyId,
  checkOneOf,
  checkPendingWindow,
  checkRotateDays,
  checkString,
  isKeywardError,
  needs,
  requireCapability,
  type CallOptions,
  type CreateKeyRequest,
  type KeyMetadata,
  type KeyRotationStatus,
  type ListKeysRequest,
  type ListKeysResult,
  type SymmetricKeySpec,
} from '@keyward/core'
import type { KmsResponse } from './kms-client.js'
import { KEY_STATE_FILTER, isKnownKeyUsage, toKeyMetadata, toRotationStatus } from './metadata-mapping.js'
import { TencentKmsProviderBase } from './provider-base.js'
import { checkRequestObject } from './request-shape.js'
import { optionalNumber, optionalObject, requiredNumber } from './response-fields.js'

/** What a Tencent-API endpoint that cannot take CreateKey's KeyId (real Tencent KMS) makes us say. */
function chosenKeyIdRefused(cause?: unknown): KeywardError {
  return new KeywardError('UnsupportedOperation',
    'CreateKey: this endpoint does not accept a chosen KeyId (real Tencent KMS assigns its own); keyward serve does.', cause === undefined ? {} : { cause })
}

/** ListKeyDetail returns at most this many keys per page. */
const TENCENT_PAGE = 200

/** Key management Actions: create, describe, list, alias/description, state, deletion, rotation, archive. */
export abstract class TencentKmsKeyLifecycle extends TencentKmsProviderBase {
  async createKey(req: CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    /* Precondition: alias, usage, type and spec are valid and the region can make that spec. */
    checkCreateKey(req)
    if (req.keySpec !== undefined) requireCapability(this.name, this.capabilities, 'symmetricKeySpecs', req.keySpec)
    // A chosen KeyId (Type=2 only, checked above) is sent as `KeyId`: keyward serve takes it; real Tencent KMS
    // answers UnknownParameter, which onCreateKey turns into UnsupportedOperation.
    return this.onCreateKey(req, opts)
  }

  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    checkKeyId(keyId)
    return this.onDescribeKey(keyId, opts)
  }

  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    /* Precondition: paging and filters are in range. */
    checkRequestObject(req, 'ListKeys')
    if (req.offset !== undefined) checkInt('Offset', req.offset, 0, 2 ** 31 - 1)
    if (req.limit !== undefined) checkInt('Limit', req.limit, 1, 1000)
    if (req.keyState !== undefined) checkOneOf('KeyState', req.keyState, KEY_STATES)
    if (req.keyUsage !== undefined) checkOneOf('KeyUsage', req.keyUsage, KEY_USAGES)
    if (req.origin !== undefined) checkOneOf('Origin', req.origin, KEY_ORIGINS)
    if (req.searchKeyAlias !== undefined) checkString('SearchKeyAlias', req.searchKeyAlias, 128)
    return this.onListKeys(req, opts)
  }

  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkAlias(alias)
    await this.call('UpdateAlias', { KeyId: keyId, Alias: alias }, opts)
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkDescription(description)
    await this.call('UpdateKeyDescription', { KeyId: keyId, Description: description }, opts)
  }

  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('EnableKey', keyId, opts)
  }

  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('DisableKey', keyId, opts)
  }

  async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number, opts?: CallOptions): Promise<{ deletionDate: number }> {
    checkKeyId(keyId)
    checkPendingWindow(pendingWindowInDays)
    const res = await this.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: pendingWindowInDays }, opts)
    return { deletionDate: requiredNumber(res, 'DeletionDate') }
  }

  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('CancelKeyDeletion', keyId, opts)
  }

  async enableKeyRotation(keyId: string, rotateDays?: number, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkRotateDays(rotateDays)
    await this.call('EnableKeyRotation', { KeyId: keyId, ...(rotateDays === undefined ? {} : { RotateDays: rotateDays }) }, opts)
  }

  async disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('DisableKeyRotation', keyId, opts)
  }

  async getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    return toRotationStatus(await this.keyAction('GetKeyRotationStatus', keyId, opts))
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('RotateKey', keyId, opts)
  }

  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('ArchiveKey', keyId, opts)
  }

  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('CancelKeyArchive', keyId, opts)
  }

  /** An Action whose only parameter is the KeyId. */
  protected async keyAction(action: string, keyId: string, opts?: CallOptions): Promise<KmsResponse> {
    checkKeyId(keyId)
    return this.call(action, { KeyId: keyId }, opts)
  }

  protected async onCreateKey(req: CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    const specs = this.capabilities.symmetricKeySpecs
    const spec: SymmetricKeySpec = req.keySpec ?? (specs.includes('AES_256') ? 'AES_256' : specs[0]!)
    // Tencent's CreateKey has no KeySpec (the region decides); only an endpoint offering both takes one.
    const sendSpec = usage === 'ENCRYPT_DECRYPT' && specs.length > 1
    const res = await this.call(
      'CreateKey',
      {
        Alias: req.alias,
        KeyUsage: usage,
        Type: req.type ?? 1,
        ...(req.description === undefined ? {} : { Description: req.description }),
        ...(sendSpec ? { KeySpec: spec } : {}),
        ...(req.keyId === undefined ? {} : { KeyId: req.keyId }),
      },
      opts,
    ).catch((e: unknown) => {
      throw req.keyId !== undefined && isKeywardError(e) && (e.code === 'UnknownParameter' || /^UnknownParameter/.test(e.backendCode ?? '')) ? chosenKeyIdRefused(e) : e
    })
    if (req.keyId !== undefined && res.KeyId !== req.keyId) await this.refuseOtherKeyId(res.KeyId, opts)
    return toKeyMetadata({
      KeySpec: spec,
      Origin: req.type === 2 ? 'EXTERNAL' : 'TENCENT_KMS',
      KeyState: req.type === 2 ? 'PendingImport' : 'Enabled',
      ...res,
    })
  }

  /**
   * An endpoint that took CreateKey but assigned its own KeyId (it ignores unknown parameters): the new key is of no
   * use to the caller, so it is scheduled for deletion (best effort) and the call fails rather than silently
   * returning another KeyId.
   */
  protected async refuseOtherKeyId(made: unknown, opts?: CallOptions): Promise<never> {
    if (typeof made === 'string' && made) await this.call('ScheduleKeyDeletion', { KeyId: made, PendingWindowInDays: LIMITS.minPendingWindowDays }, opts).catch(() => undefined)
    throw chosenKeyIdRefused()
  }

  protected async onDescribeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    const res = await this.call('DescribeKey', { KeyId: keyId }, opts)
    const meta = optionalObject(res, 'KeyMetadata')
    return toKeyMetadata(meta ?? {})
  }

  protected async onListKeys(req: ListKeysRequest, opts?: CallOptions): Promise<ListKeysResult> {
    const limit = req.limit ?? 200
    const filters = {
      ...(req.keyState ? { KeyState: KEY_STATE_FILTER[req.keyState] } : {}),
      ...(req.keyUsage ? { KeyUsage: req.keyUsage } : {}),
      ...(req.origin ? { Origin: req.origin } : {}),
      ...(req.searchKeyAlias ? { SearchKeyAlias: req.searchKeyAlias } : {}),
    }
    const keys: KeyMetadata[] = []
    let offset = req.offset ?? 0
    let totalCount = 0
    // Tencent pages at 200; a larger limit is served with consecutive pages.
    for (let wanted = limit; wanted > 0; ) {
      const pageSize = Math.min(wanted, TENCENT_PAGE)
      const res = await this.call('ListKeyDetail', { Offset: offset, Limit: pageSize, ...filters }, opts)
      totalCount = optionalNumber(res, 'TotalCount')
      const page = Array.isArray(res.KeyMetadatas) ? (res.KeyMetadatas as KmsResponse[]) : []
      for (const raw of page) if (isKnownKeyUsage(raw.KeyUsage ?? 'ENCRYPT_DECRYPT')) keys.push(toKeyMetadata(raw))
      offset += page.length
      wanted -= page.length
      if (page.length < pageSize || offset >= totalCount) break
    }
    return { keys, totalCount }
  }
}
