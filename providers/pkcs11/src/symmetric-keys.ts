import {
  blobHeader,
  checkKeyId,
  decryptionFailed,
  isKeywardError,
  type CiphertextBlobParts,
  type KeyMetadata,
  type SymmetricKeySpec,
} from '@keyward/core'
import { needsUsage, usableKey, usableKeyNow } from './key-loading.js'
import type { Pkcs11Context } from './pkcs11-context.js'
import { blobCipherOf } from './symmetric-crypto.js'
import type { VersionRef } from './version-refs.js'

/** The newest version of a usable ENCRYPT_DECRYPT key, with its blob header: what {@link sealBlob} writes under. */
export interface SealTarget extends VersionRef {
  keyId: string
  spec: SymmetricKeySpec
  header: Buffer
}

/** A key version that a blob names, as {@link openBlob} takes it. */
export interface OpenSource {
  keyId: string
  spec: SymmetricKeySpec
  id: Buffer
}

/** Blob headers by a version's (cached, one per version) CKA_ID buffer: a version's header never changes. */
const headers = new WeakMap<Buffer, Buffer>()

function sealTargetOf(ctx: Pkcs11Context, meta: Readonly<KeyMetadata>, latest: VersionRef): SealTarget {
  const spec = meta.keySpec as SymmetricKeySpec
  let header = headers.get(latest.id)
  if (!header) {
    header = blobHeader(blobCipherOf(ctx, spec), meta.keyId, latest.version)
    headers.set(latest.id, header)
  }
  return { keyId: meta.keyId, spec, version: latest.version, id: latest.id, header }
}

/**
 * The newest version of the usable symmetric key `keyId` (Encrypt, GenerateDataKey). CmkNotFound, CmkDisabled,
 * CmkArchived, UnsupportedKeyUsage or CmkStateNotSupport (no material) otherwise.
 */
export async function sealTarget(ctx: Pkcs11Context, keyId: string): Promise<SealTarget> {
  const meta = await usableKey(ctx, keyId)
  needsUsage(meta, 'symmetric')
  return sealTargetOf(ctx, meta, ctx.versions.latestNow(meta) ?? (await ctx.versions.latest(meta)))
}

/**
 * {@link sealTarget} from the caches alone, with no await before the token call (on a ~100 µs operation each one
 * shows); undefined on a miss. Throws as sealTarget does for an unusable key.
 */
export function sealTargetNow(ctx: Pkcs11Context, keyId: string): SealTarget | undefined {
  const meta = usableKeyNow(ctx, keyId)
  if (!meta) return undefined
  needsUsage(meta, 'symmetric')
  const latest = ctx.versions.latestNow(meta)
  return latest && sealTargetOf(ctx, meta, latest)
}

/**
 * The key version a parsed blob names. A blob naming no existing key, another kind of key or no version is a bad
 * ciphertext like any other (the KeyId in it is attacker-controlled): the one fixed decryption failure.
 */
export async function openSource(ctx: Pkcs11Context, parts: CiphertextBlobParts): Promise<OpenSource> {
  checkKeyId(parts.keyId)
  const meta = await usableKey(ctx, parts.keyId, 'decrypt').catch((e: unknown) => {
    throw isKeywardError(e, 'ResourceUnavailable.CmkNotFound') ? decryptionFailed(e) : e
  })
  if (meta.keyUsage !== 'ENCRYPT_DECRYPT') throw decryptionFailed()
  const id = await ctx.versions.id(meta.keyId, parts.keyVersion)
  if (!id) throw decryptionFailed()
  return { keyId: meta.keyId, spec: meta.keySpec as SymmetricKeySpec, id }
}
