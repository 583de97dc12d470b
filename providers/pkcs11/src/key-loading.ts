import {
  KEY_USAGE_TABLE,
  KeywardError,
  isKeywardError,
  type KeyMetadata,
  type ListKeysRequest,
  type ListKeysResult,
} from '@keyward/core'
import { rotateOnce } from './key-versions.js'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'
import { destroyKeyMaterial } from './token-material.js'

/** What a cryptographic call needs a key for: Archived keys still decrypt, as in Tencent KMS. */
export type KeyPurpose = 'use' | 'decrypt'

/** The kinds of key a call accepts (`asymmetric`: any asymmetric key). */
export type UsageKind = 'symmetric' | 'asymmetric-decrypt' | 'sign-verify' | 'asymmetric'

/** Whether a time-driven transition (purge, imported-material expiry, rotation) is due for `meta`. */
export function isDue(meta: Readonly<KeyMetadata>, now: number): boolean {
  return (
    (meta.keyState === 'PendingDelete' && meta.deletionDate > 0 && meta.deletionDate <= now) ||
    (meta.origin === 'EXTERNAL' &&
      meta.validTo > 0 &&
      meta.validTo <= now &&
      (meta.keyState === 'Enabled' || meta.keyState === 'Disabled')) ||
    (meta.keyRotationEnabled && meta.keyState === 'Enabled' && meta.nextRotateTime > 0 && meta.nextRotateTime <= now)
  )
}

/**
 * Loads a key after applying the transitions that fell due on the provider's clock: a PendingDelete key past its
 * date is purged (token objects, then metadata: CmkNotFound), EXTERNAL material past ValidTo is destroyed
 * (→ PendingImport), a key due for rotation gets its new version. ResourceUnavailable.CmkNotFound when absent.
 */
export async function loadKey(ctx: Pkcs11Context, keyId: string): Promise<KeyMetadata> {
  ctx.assertOpen()
  let meta = await ctx.store.getKey(keyId)
  if (!meta) throw new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
  const now = nowSeconds(ctx)
  if (meta.keyState === 'PendingDelete' && meta.deletionDate > 0 && meta.deletionDate <= now) {
    await destroyKeyMaterial(ctx, keyId)
    await ctx.store.deleteKey(keyId)
    ctx.versions.drop(keyId)
    throw new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
  }
  if (
    meta.origin === 'EXTERNAL' &&
    meta.validTo > 0 &&
    meta.validTo <= now &&
    (meta.keyState === 'Enabled' || meta.keyState === 'Disabled')
  ) {
    await destroyKeyMaterial(ctx, keyId)
    await ctx.store.deleteVersions(keyId)
    ctx.versions.drop(keyId)
    meta = await ctx.store.updateKey(keyId, { keyState: 'PendingImport', keyVersionCount: 0 })
  }
  if (meta.keyRotationEnabled && meta.keyState === 'Enabled' && meta.nextRotateTime > 0 && meta.nextRotateTime <= now) {
    await rotateOnce(ctx, meta)
    meta = (await ctx.store.getKey(keyId)) ?? meta
  }
  return meta
}

/**
 * Applies due transitions to every key (before ListKeys, as the software provider does), so that a listing never
 * shows a key whose deletion date has passed: its token objects and metadata are purged here.
 */
async function sweep(ctx: Pkcs11Context): Promise<void> {
  const now = nowSeconds(ctx)
  const due: string[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await ctx.store.listKeys({ offset, limit: 1000 })
    for (const k of page.keys) if (isDue(k, now)) due.push(k.keyId)
    if (offset + 1000 >= page.totalCount) break
  }
  // Collected first: purging while paging would shift the offsets.
  for (const keyId of due) {
    await loadKey(ctx, keyId).catch((e: unknown) => {
      if (!isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) throw e
    })
  }
}

/** Loads a key that must be Enabled for a cryptographic call (Archived too, to decrypt); caches its metadata. */
export async function usableKey(
  ctx: Pkcs11Context,
  keyId: string,
  purpose: KeyPurpose = 'use',
): Promise<Readonly<KeyMetadata>> {
  const cached = usableKeyNow(ctx, keyId, purpose)
  if (cached) return cached
  const generation = ctx.metadata.generation
  const meta = await loadKey(ctx, keyId)
  ctx.metadata.set(meta, generation)
  return usable(meta, purpose)
}

/**
 * {@link usableKey} without a store read or an await, when the metadata cache holds the key and no time-driven
 * transition is due; undefined otherwise (then call usableKey). Throws for an unusable state.
 */
export function usableKeyNow(
  ctx: Pkcs11Context,
  keyId: string,
  purpose: KeyPurpose = 'use',
): Readonly<KeyMetadata> | undefined {
  ctx.assertOpen()
  const meta = ctx.metadata.get(keyId)
  // A cached entry never skips a due transition (purge, expiry, rotation): those take the store path.
  if (!meta || isDue(meta, nowSeconds(ctx))) return undefined
  return usable(meta, purpose)
}

function usable(meta: Readonly<KeyMetadata>, purpose: KeyPurpose): Readonly<KeyMetadata> {
  if (purpose === 'decrypt' && meta.keyState === 'Archived') return meta
  switch (meta.keyState) {
    case 'Enabled':
      return meta
    case 'Disabled':
      throw new KeywardError('ResourceUnavailable.CmkDisabled', `Key ${meta.keyId} is disabled.`)
    case 'Archived':
      throw new KeywardError('ResourceUnavailable.CmkArchived', `Key ${meta.keyId} is archived.`)
    default:
      throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${meta.keyId} is ${meta.keyState}.`)
  }
}

/** UnsupportedOperation.UnsupportedKeyUsage unless `meta`'s usage is of `kind`. */
export function needsUsage(meta: Readonly<KeyMetadata>, kind: UsageKind): void {
  const actual = KEY_USAGE_TABLE[meta.keyUsage].kind
  const ok = kind === 'asymmetric' ? actual !== 'symmetric' : actual === kind
  // if/throw rather than needs(): the message is built only on failure (hot path).
  if (!ok)
    throw new KeywardError(
      'UnsupportedOperation.UnsupportedKeyUsage',
      `Key ${meta.keyId} has KeyUsage ${meta.keyUsage}.`,
    )
}

/** ListKeys on a checked filter, after the due transitions of every key have been applied. */
export async function listKeys(ctx: Pkcs11Context, req: ListKeysRequest): Promise<ListKeysResult> {
  ctx.assertOpen()
  await sweep(ctx)
  return ctx.store.listKeys(req)
}
