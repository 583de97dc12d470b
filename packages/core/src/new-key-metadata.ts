import { randomUUID } from 'node:crypto'
import { KEY_USAGE_TABLE } from './algorithms.js'
import type { CreateKeyRequest } from './key-administration.js'
import type { KeyMetadata } from './key-metadata.js'

/**
 * The metadata of a key CreateKey is about to insert, on a checked request: a new KeyId unless the request chose one,
 * ENCRYPT_DECRYPT with AES_256 by default, the usage's own spec for asymmetric keys, Type 2 (EXTERNAL) starting
 * PendingImport; rotation off, nothing scheduled. `keyVersionCount` is what the provider stores before it adds
 * material (0, or 1 when it writes the first version in the same step).
 *
 * @example
 * ```ts
 * const meta = newKeyMetadata({ alias: 'orders', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }, unixSeconds(clock), 1)
 * meta.keySpec // 'SM2'
 * ```
 */
export function newKeyMetadata(req: CreateKeyRequest, createTime: number, keyVersionCount: number): KeyMetadata {
  const keyUsage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
  const external = req.type === 2
  return {
    keyId: req.keyId ?? randomUUID(),
    alias: req.alias,
    description: req.description ?? '',
    keyState: external ? 'PendingImport' : 'Enabled',
    keyUsage,
    keySpec: keyUsage === 'ENCRYPT_DECRYPT' ? (req.keySpec ?? 'AES_256') : KEY_USAGE_TABLE[keyUsage].keySpec,
    origin: external ? 'EXTERNAL' : 'TENCENT_KMS',
    type: external ? 2 : 1,
    createTime,
    deletionDate: 0,
    validTo: 0,
    keyRotationEnabled: false,
    nextRotateTime: 0,
    rotateDays: 0,
    lastRotateTime: 0,
    keyVersionCount,
    owner: 'user',
  }
}
