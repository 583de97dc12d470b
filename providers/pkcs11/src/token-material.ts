import type { KeyMetadata, SymmetricKeySpec } from '@keyward/core'
import { generateKeyPair } from './asymmetric-crypto.js'
import { readImportRecord } from './import-record.js'
import { importKeyId, objectId } from './key-templates.js'
import type { Pkcs11Context } from './pkcs11-context.js'
import { toKeywardError } from './pkcs11-errors.js'
import { generateSecretKey } from './symmetric-crypto.js'

/** Store record of a key created with `extractable: true` (its later versions are extractable too). */
const EXTRACTABLE = 'pkcs11-extractable'

/** Records that `keyId`'s versions are created extractable (CreateKey with `extractable: true`). */
export async function markExtractable(ctx: Pkcs11Context, keyId: string): Promise<void> {
  await ctx.store.putRecord(keyId, EXTRACTABLE, Uint8Array.of(1))
}

/**
 * Creates the token object(s) of version `version` of a key (C_GenerateKey or C_GenerateKeyPair) and returns
 * what the store keeps for it: the CKA_ID, never key bytes.
 */
export async function createVersionMaterial(
  ctx: Pkcs11Context,
  meta: KeyMetadata,
  version: number,
): Promise<Uint8Array> {
  const id = objectId(meta.keyId, version)
  if (meta.keyUsage === 'ENCRYPT_DECRYPT') {
    const extractable = (await ctx.store.getRecord(meta.keyId, EXTRACTABLE)) !== undefined
    await generateSecretKey(ctx, meta.keySpec as SymmetricKeySpec, id, extractable)
  } else {
    await generateKeyPair(ctx, meta.keyUsage, id)
  }
  return id
}

/** Destroys every token object of a key: all versions and the BYOK import pair. */
export async function destroyKeyMaterial(ctx: Pkcs11Context, keyId: string): Promise<void> {
  await destroyVersions(ctx, keyId)
  if (await readImportRecord(ctx.store, keyId)) await destroyObjects(ctx, importKeyId(keyId))
}

/** Destroys the token objects of every version of a key (the store's references stay: the caller drops them). */
export async function destroyVersions(ctx: Pkcs11Context, keyId: string): Promise<void> {
  const latest = await ctx.store.latestVersion(keyId)
  for (let v = 1; v <= latest; v++) {
    const ref = await ctx.store.getVersion(keyId, v)
    if (ref) await destroyObjects(ctx, Buffer.from(ref))
  }
}

/** Destroys every token object with CKA_ID `id` (a key, a pair, derived keys). */
export async function destroyObjects(ctx: Pkcs11Context, id: Buffer): Promise<void> {
  await ctx.pool
    .use(async (session) => ctx.objects.destroy(session, id))
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Destroying token objects')
    })
}
