import { needs, type KeyMetadata, type KeyRotationStatus } from '@keyward/core'
import { loadKey, usableKey } from './key-loading.js'
import { rotateOnce } from './key-versions.js'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'

const DAY = 86_400

/** Rotation as Tencent KMS has it: ENCRYPT_DECRYPT keys of origin TENCENT_KMS only. */
function needsRotatable(meta: KeyMetadata): void {
  needs(
    meta.keyUsage === 'ENCRYPT_DECRYPT',
    'UnsupportedOperation.UnsupportedKeyUsage',
    'Only ENCRYPT_DECRYPT keys rotate.',
  )
  needs(meta.origin === 'TENCENT_KMS', 'UnsupportedOperation', 'EXTERNAL (imported) keys do not rotate.')
}

/** Automatic rotation every `rotateDays` days from now (the new version is made lazily, when it falls due). */
export async function enableKeyRotation(ctx: Pkcs11Context, keyId: string, rotateDays: number): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  needsRotatable(meta)
  needs(
    meta.keyState === 'Enabled' || meta.keyState === 'Disabled',
    'ResourceUnavailable.CmkStateNotSupport',
    `Key ${keyId} is ${meta.keyState}.`,
  )
  await ctx.store.updateKey(keyId, {
    keyRotationEnabled: true,
    rotateDays,
    nextRotateTime: nowSeconds(ctx) + rotateDays * DAY,
  })
}

/** No more automatic rotation. */
export async function disableKeyRotation(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  needsRotatable(meta)
  await ctx.store.updateKey(keyId, { keyRotationEnabled: false, nextRotateTime: 0 })
}

/** The rotation schedule and version count. */
export async function getKeyRotationStatus(ctx: Pkcs11Context, keyId: string): Promise<KeyRotationStatus> {
  const m = await loadKey(ctx, keyId)
  return {
    keyRotationEnabled: m.keyRotationEnabled,
    rotateDays: m.rotateDays,
    nextRotateTime: m.nextRotateTime,
    lastRotateTime: m.lastRotateTime,
    keyVersionCount: m.keyVersionCount,
  }
}

/** A new version now (RotateKey); the key must be usable. */
export async function rotateKey(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await usableKey(ctx, keyId)
  needsRotatable(meta)
  await rotateOnce(ctx, meta)
}
