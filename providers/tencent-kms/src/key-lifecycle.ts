import type { CallOptions, KeyMetadata, KeyRotationStatus, ListKeysRequest, ListKeysResult } from '@keyward/core'
import type { KmsResponse } from './kms-client.js'
import { keyAction, type KmsContext } from './kms-context.js'
import { KEY_STATE_FILTER, isKnownKeyUsage, toKeyMetadata, toRotationStatus } from './metadata-mapping.js'
import { optionalNumber, optionalObject, requiredNumber } from './response-fields.js'

/**
 * Key management Actions that need more than `keyAction` (creation: key-creation.ts): describe, list (paged),
 * deletion window, rotation. Inputs were checked by the provider.
 */

/** ListKeyDetail returns at most this many keys per page. */
const TENCENT_PAGE = 200

/** DescribeKey. */
export async function describeKey(kms: KmsContext, keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
  const res = await keyAction(kms, 'DescribeKey', keyId, opts)
  return toKeyMetadata(optionalObject(res, 'KeyMetadata') ?? {})
}

/** ListKeyDetail. Tencent pages at 200; a larger limit is served with consecutive pages. */
export async function listKeys(kms: KmsContext, req: ListKeysRequest, opts?: CallOptions): Promise<ListKeysResult> {
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
  for (let wanted = limit; wanted > 0; ) {
    const pageSize = Math.min(wanted, TENCENT_PAGE)
    const res = await kms.call('ListKeyDetail', { Offset: offset, Limit: pageSize, ...filters }, opts)
    totalCount = optionalNumber(res, 'TotalCount')
    const page = Array.isArray(res.KeyMetadatas) ? (res.KeyMetadatas as KmsResponse[]) : []
    for (const raw of page) if (isKnownKeyUsage(raw.KeyUsage ?? 'ENCRYPT_DECRYPT')) keys.push(toKeyMetadata(raw))
    offset += page.length
    wanted -= page.length
    if (page.length < pageSize || offset >= totalCount) break
  }
  return { keys, totalCount }
}

/** ScheduleKeyDeletion: the DeletionDate Tencent sets. */
export async function scheduleKeyDeletion(kms: KmsContext, keyId: string, pendingWindowInDays: number, opts?: CallOptions): Promise<{ deletionDate: number }> {
  const res = await kms.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: pendingWindowInDays }, opts)
  return { deletionDate: requiredNumber(res, 'DeletionDate') }
}

/** EnableKeyRotation: RotateDays is sent only when given (Tencent's default is 365). */
export async function enableKeyRotation(kms: KmsContext, keyId: string, rotateDays: number | undefined, opts?: CallOptions): Promise<void> {
  await kms.call('EnableKeyRotation', { KeyId: keyId, ...(rotateDays === undefined ? {} : { RotateDays: rotateDays }) }, opts)
}

/** GetKeyRotationStatus. */
export async function keyRotationStatus(kms: KmsContext, keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
  return toRotationStatus(await keyAction(kms, 'GetKeyRotationStatus', keyId, opts))
}
