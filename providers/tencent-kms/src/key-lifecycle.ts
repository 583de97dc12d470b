import type { CallOptions, KeyMetadata, KeyRotationStatus, ListKeysRequest, ListKeysResult } from '@keyward/core'
import type { KmsResponse } from './kms-client.js'
import type { KmsCaller } from './kms-caller.js'
import { KEY_STATE_FILTER, isKnownKeyUsage, toKeyMetadata, toRotationStatus } from './metadata-mapping.js'
import { optionalNumber, optionalObject, requiredNumber } from './response-fields.js'

/**
 * Key management Actions that send more than a KeyId or read an answer (creation: key-creation.ts): describe, list
 * (paged), deletion window, rotation. Inputs were checked by the provider; `kms` is the provider's KmsCaller.
 */

/** ListKeyDetail returns at most this many keys per page. */
const TENCENT_PAGE = 200

/** DescribeKey. */
export async function describeKey(kms: KmsCaller, keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
  const res = await kms.call('DescribeKey', { KeyId: keyId }, opts)
  return toKeyMetadata(optionalObject(res, 'KeyMetadata') ?? {})
}

/** ListKeyDetail. Tencent pages at 200; a larger limit is served with consecutive pages. */
export async function listKeys(kms: KmsCaller, req: ListKeysRequest, opts?: CallOptions): Promise<ListKeysResult> {
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
export async function scheduleKeyDeletion(
  kms: KmsCaller,
  keyId: string,
  pendingWindowInDays: number,
  opts?: CallOptions,
): Promise<{ deletionDate: number }> {
  const res = await kms.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: pendingWindowInDays }, opts)
  return { deletionDate: requiredNumber(res, 'DeletionDate') }
}

/** EnableKeyRotation: RotateDays is sent only when given (Tencent's default is 365). */
export async function enableKeyRotation(
  kms: KmsCaller,
  keyId: string,
  rotateDays: number | undefined,
  opts?: CallOptions,
): Promise<void> {
  await kms.call(
    'EnableKeyRotation',
    { KeyId: keyId, ...(rotateDays === undefined ? {} : { RotateDays: rotateDays }) },
    opts,
  )
}

/** GetKeyRotationStatus. */
export async function keyRotationStatus(kms: KmsCaller, keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
  return toRotationStatus(await kms.call('GetKeyRotationStatus', { KeyId: keyId }, opts))
}
