import type { KeyMetadata } from '@keyward/core'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'
import { createVersionMaterial } from './token-material.js'

const DAY = 86_400

/** Adds the next version of a key (creation, rotation): its token object first, then the store's reference. */
export async function addVersion(ctx: Pkcs11Context, meta: KeyMetadata): Promise<number> {
  const version = (await ctx.store.latestVersion(meta.keyId)) + 1
  const ref = await createVersionMaterial(ctx, meta, version)
  const added = await ctx.store.addVersion(meta.keyId, ref)
  await ctx.store.updateKey(meta.keyId, { keyVersionCount: added })
  return added
}

/** Adds a version now and updates the rotation dates; concurrent rotations of one key coalesce. */
export function rotateOnce(ctx: Pkcs11Context, meta: KeyMetadata): Promise<void> {
  return ctx.locks.rotation(meta.keyId, async () => {
    await addVersion(ctx, meta)
    const now = nowSeconds(ctx)
    const next = meta.keyRotationEnabled ? { nextRotateTime: now + meta.rotateDays * DAY } : {}
    await ctx.store.updateKey(meta.keyId, { lastRotateTime: now, ...next })
  })
}
