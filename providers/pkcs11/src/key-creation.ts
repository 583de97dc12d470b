import { newKeyMetadata, type CreateKeyRequest, type KeyMetadata } from '@keyward/core'
import { loadKey } from './key-loading.js'
import { addVersion } from './key-versions.js'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'
import { markExtractable } from './token-material.js'

/**
 * CreateKey on a checked request: the metadata first, then (Type 1) the first version's token object. If the token
 * fails to make it, the metadata goes again, so no key is left without material it was promised. EXTERNAL keys
 * (Type 2) start in PendingImport, with no token object.
 */
export async function createKey(ctx: Pkcs11Context, req: CreateKeyRequest, extractable: boolean): Promise<KeyMetadata> {
  const meta = await insertNewKey(ctx, req)
  if (extractable) await markExtractable(ctx, meta.keyId)
  if (meta.type === 2) return meta
  try {
    await addVersion(ctx, meta)
  } catch (e) {
    await ctx.store.deleteKey(meta.keyId)
    throw e
  }
  return loadKey(ctx, meta.keyId)
}

/** Inserts the metadata of a new key (alias uniqueness under the alias lock); material is added by the caller. */
async function insertNewKey(ctx: Pkcs11Context, req: CreateKeyRequest): Promise<KeyMetadata> {
  const meta = newKeyMetadata(req, nowSeconds(ctx), 0)
  await ctx.locks.alias(() => ctx.store.insertKey(meta))
  return meta
}
