import { needs, type KeyMetadata } from '@keyward/core'
import { loadKey } from './key-loading.js'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'

const DAY = 86_400

/*
 * The key-state actions with Tencent KMS semantics, on checked arguments. State lives in the store only: no token
 * call is made (a key's token objects go when it is purged, see key-loading.ts).
 */

/** Enabled again; an Enabled key stays so. Only a Disabled key can be enabled. */
export async function enableKey(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  if (meta.keyState === 'Enabled') return
  needs(
    meta.keyState === 'Disabled',
    stateCode(meta),
    `Key ${keyId} is ${meta.keyState}; only a Disabled key can be enabled.`,
  )
  await ctx.store.updateKey(keyId, { keyState: 'Enabled' })
}

/** Disabled; a Disabled key stays so. Only an Enabled key can be disabled. */
export async function disableKey(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  if (meta.keyState === 'Disabled') return
  needs(
    meta.keyState === 'Enabled',
    stateCode(meta),
    `Key ${keyId} is ${meta.keyState}; only an Enabled key can be disabled.`,
  )
  await ctx.store.updateKey(keyId, { keyState: 'Disabled' })
}

function stateCode(meta: KeyMetadata): 'ResourceUnavailable.CmkArchived' | 'ResourceUnavailable.CmkStateNotSupport' {
  return meta.keyState === 'Archived' ? 'ResourceUnavailable.CmkArchived' : 'ResourceUnavailable.CmkStateNotSupport'
}

/** Tencent semantics: the key must be Disabled (or PendingImport) first. Returns the deletion date. */
export async function scheduleKeyDeletion(
  ctx: Pkcs11Context,
  keyId: string,
  pendingWindowInDays: number,
): Promise<{ deletionDate: number }> {
  const meta = await loadKey(ctx, keyId)
  needs(
    meta.keyState !== 'Enabled' && meta.keyState !== 'Archived',
    'ResourceUnavailable.CmkShouldBeDisabled',
    `Key ${keyId} is ${meta.keyState}; disable it before scheduling its deletion.`,
  )
  needs(
    meta.keyState !== 'PendingDelete',
    'ResourceUnavailable.CmkStateNotSupport',
    `Key ${keyId} is already pending deletion.`,
  )
  const deletionDate = nowSeconds(ctx) + pendingWindowInDays * DAY
  await ctx.store.updateKey(keyId, { keyState: 'PendingDelete', deletionDate })
  return { deletionDate }
}

/** Back to Disabled, or PendingImport when an EXTERNAL key has no material. */
export async function cancelKeyDeletion(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  needs(
    meta.keyState === 'PendingDelete',
    'ResourceUnavailable.CmkStateNotSupport',
    `Key ${keyId} is not pending deletion.`,
  )
  const hasMaterial = (await ctx.store.latestVersion(keyId)) > 0
  await ctx.store.updateKey(keyId, { keyState: hasMaterial ? 'Disabled' : 'PendingImport', deletionDate: 0 })
}

/** Archived (it still decrypts); an Archived key stays so. Only an Enabled key can be archived. */
export async function archiveKey(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  if (meta.keyState === 'Archived') return
  needs(
    meta.keyState === 'Enabled',
    'ResourceUnavailable.CmkStateNotSupport',
    `Key ${keyId} is ${meta.keyState}; only an Enabled key can be archived.`,
  )
  await ctx.store.updateKey(keyId, { keyState: 'Archived' })
}

/** Enabled again from Archived. */
export async function cancelKeyArchive(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const meta = await loadKey(ctx, keyId)
  needs(meta.keyState === 'Archived', 'ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} is not archived.`)
  await ctx.store.updateKey(keyId, { keyState: 'Enabled' })
}

/** A new alias (unique: the store refuses a taken one), under the alias lock. */
export async function updateAlias(ctx: Pkcs11Context, keyId: string, alias: string): Promise<void> {
  await loadKey(ctx, keyId)
  await ctx.locks.alias(() => ctx.store.updateKey(keyId, { alias }))
}

/** A new description. */
export async function updateKeyDescription(ctx: Pkcs11Context, keyId: string, description: string): Promise<void> {
  await loadKey(ctx, keyId)
  await ctx.store.updateKey(keyId, { description })
}
