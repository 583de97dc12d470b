import type { KeyMetadata, KeyState } from '@keyward/core'

/** Tencent's KeyMetadata (PascalCase) as DescribeKey returns it. */
export interface TencentKeyMetadata {
  KeyId: string
  Alias: string
  CreateTime: number
  Description: string
  KeyState: KeyState
  KeyUsage: string
  Type: number
  CreatorUin: number
  KeyRotationEnabled: boolean
  Owner: string
  NextRotateTime: number
  DeletionDate: number
  Origin: string
  ValidTo: number
  RotateDays: number
  LastRotateTime: number
  ResourceId: string
  AccountName: string
  /** Keyward extension: AES_256 / SM4 / RSA_2048 / SM2 / ECC_P256 (Tencent infers it from KeyUsage and Type). */
  KeySpec: string
  /** Keyward extension: versions of the key (1 + rotations). */
  KeyVersionCount: number
}

/**
 * core's KeyMetadata → Tencent's, field by field (camelCase ↔ PascalCase). The alias shown is the owning
 * account's alias, not the provider's global one.
 */
export function toTencentMetadata(m: KeyMetadata, alias: string, accountName: string): TencentKeyMetadata {
  return {
    KeyId: m.keyId,
    Alias: alias,
    CreateTime: m.createTime,
    Description: m.description,
    KeyState: m.keyState,
    KeyUsage: m.keyUsage,
    Type: m.type,
    CreatorUin: 0,
    KeyRotationEnabled: m.keyRotationEnabled,
    Owner: m.owner,
    NextRotateTime: m.nextRotateTime,
    DeletionDate: m.deletionDate,
    Origin: m.origin,
    ValidTo: m.validTo,
    RotateDays: m.rotateDays,
    LastRotateTime: m.lastRotateTime,
    ResourceId: `keyward/${m.keyId}`,
    AccountName: accountName,
    KeySpec: m.keySpec,
    KeyVersionCount: m.keyVersionCount,
  }
}

/** ListKeyDetail's numeric KeyState filter (0 = all). */
export const KEY_STATE_FILTER: Readonly<Record<number, KeyState | undefined>> = {
  0: undefined,
  1: 'Enabled',
  2: 'Disabled',
  3: 'PendingDelete',
  4: 'PendingImport',
  5: 'Archived',
}
