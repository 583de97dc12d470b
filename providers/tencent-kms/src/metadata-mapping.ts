import {
  KEY_STATES,
  KEY_USAGES,
  KEY_USAGE_TABLE,
  KeywardError,
  SYMMETRIC_KEY_SPECS,
  type KeyMetadata,
  type KeyRotationStatus,
  type KeySpec,
  type KeyState,
  type KeyUsage,
} from '@keyward/core'
import type { KmsResponse } from './kms-client.js'
import { optionalBoolean, optionalNumber, optionalString, requiredString } from './response-fields.js'

/**
 * Tencent's KeyMetadata → Keyward's, field by field. Missing fields take the defaults Tencent itself uses
 * for "not set" (0, '', false). Two fields Tencent does not return are derived: `keySpec` (from KeyUsage,
 * and SM4 when DescribeKey's Type is 4, Tencent's 国密 key type) and `keyVersionCount` (1 unless the
 * endpoint reports KeyVersionCount, as `keyward serve` does).
 */

/** DescribeKey's `Type` value for a key that meets the 国密 (GM/T) standard. */
const TENCENT_TYPE_GM = 4

/** True when Keyward models this KeyUsage (Tencent has more, e.g. RSA-3072/4096 usages). */
export function isKnownKeyUsage(usage: unknown): usage is KeyUsage {
  return typeof usage === 'string' && (KEY_USAGES as readonly string[]).includes(usage)
}

/**
 * Maps one KeyMetadata object. A KeyUsage or KeyState Keyward does not model is an UnsupportedOperation
 * rather than a guess.
 */
export function toKeyMetadata(raw: KmsResponse): KeyMetadata {
  const keyId = requiredString(raw, 'KeyId')
  const usage = raw.KeyUsage ?? 'ENCRYPT_DECRYPT'
  if (!isKnownKeyUsage(usage)) {
    throw new KeywardError(
      'UnsupportedOperation',
      `Key ${keyId} has KeyUsage ${String(usage)}, which Keyward does not model.`,
    )
  }
  const state = raw.KeyState ?? 'Enabled'
  if (typeof state !== 'string' || !(KEY_STATES as readonly string[]).includes(state)) {
    throw new KeywardError(
      'UnsupportedOperation',
      `Key ${keyId} has KeyState ${String(state)}, which Keyward does not model.`,
    )
  }
  const origin = raw.Origin === 'EXTERNAL' ? 'EXTERNAL' : 'TENCENT_KMS'
  return {
    keyId,
    alias: optionalString(raw, 'Alias'),
    description: optionalString(raw, 'Description'),
    keyState: state as KeyState,
    keyUsage: usage,
    keySpec: keySpecOf(raw, usage),
    origin,
    type: origin === 'EXTERNAL' ? 2 : 1,
    createTime: optionalNumber(raw, 'CreateTime'),
    deletionDate: optionalNumber(raw, 'DeletionDate'),
    validTo: optionalNumber(raw, 'ValidTo'),
    keyRotationEnabled: optionalBoolean(raw, 'KeyRotationEnabled'),
    nextRotateTime: optionalNumber(raw, 'NextRotateTime'),
    rotateDays: optionalNumber(raw, 'RotateDays'),
    lastRotateTime: optionalNumber(raw, 'LastRotateTime'),
    keyVersionCount: optionalNumber(raw, 'KeyVersionCount', 1),
    owner: 'user',
  }
}

function keySpecOf(raw: KmsResponse, usage: KeyUsage): KeySpec {
  const info = KEY_USAGE_TABLE[usage]
  if (info.kind !== 'symmetric') return info.keySpec
  if (typeof raw.KeySpec === 'string' && (SYMMETRIC_KEY_SPECS as readonly string[]).includes(raw.KeySpec))
    return raw.KeySpec as KeySpec
  return raw.Type === TENCENT_TYPE_GM ? 'SM4' : 'AES_256'
}

/** GetKeyRotationStatus: Tencent always sends KeyRotationEnabled; the schedule fields only in newer versions. */
export function toRotationStatus(raw: KmsResponse): KeyRotationStatus {
  return {
    keyRotationEnabled: optionalBoolean(raw, 'KeyRotationEnabled'),
    rotateDays: optionalNumber(raw, 'RotateDays'),
    nextRotateTime: optionalNumber(raw, 'NextRotateTime'),
    lastRotateTime: optionalNumber(raw, 'LastRotateTime'),
    keyVersionCount: optionalNumber(raw, 'KeyVersionCount', 1),
  }
}

/** ListKeyDetail's numeric KeyState filter (0 = all). */
export const KEY_STATE_FILTER: Readonly<Record<KeyState, number>> = {
  Enabled: 1,
  Disabled: 2,
  PendingDelete: 3,
  PendingImport: 4,
  Archived: 5,
}
