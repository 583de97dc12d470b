import type { KeyObject } from 'node:crypto'
import { KEY_USAGE_TABLE, KeywardError, needs, type KeyMetadata, type SignRequest } from '@keyward/core'
import { readPublicKey } from './asymmetric-crypto.js'
import { needsUsage, usableKey, usableKeyNow } from './key-loading.js'
import type { Pkcs11Context } from './pkcs11-context.js'

/** The newest version of a usable asymmetric key: its metadata and the CKA_ID of its key pair. */
export interface PairRef {
  meta: Readonly<KeyMetadata>
  id: Buffer
}

function needsSignAlgorithm(meta: Readonly<KeyMetadata>, req: SignRequest): void {
  // if/throw rather than needs(): the message is built only on failure (hot path).
  if (!KEY_USAGE_TABLE[meta.keyUsage].signAlgorithms.includes(req.algorithm)) {
    throw new KeywardError(
      'UnsupportedOperation.UnsupportedKeyUsage',
      `Key ${meta.keyId} (${meta.keyUsage}) cannot sign with ${req.algorithm}.`,
    )
  }
}

/** The key pair that signs or verifies `req` (its usage must allow `req.algorithm`). */
export async function signingKey(ctx: Pkcs11Context, req: SignRequest): Promise<PairRef> {
  const meta = await usableKey(ctx, req.keyId)
  needsSignAlgorithm(meta, req)
  return { meta, id: (await ctx.versions.latest(meta)).id }
}

/** {@link signingKey} from the caches alone, with no await before the token call; undefined on a miss. */
export function signingKeyNow(ctx: Pkcs11Context, req: SignRequest): PairRef | undefined {
  const meta = usableKeyNow(ctx, req.keyId)
  if (!meta) return undefined
  needsSignAlgorithm(meta, req)
  const latest = ctx.versions.latestNow(meta)
  return latest && { meta, id: latest.id }
}

/** The key pair of a usable ASYMMETRIC_DECRYPT_RSA_2048 key. */
export async function rsaDecryptionKey(ctx: Pkcs11Context, keyId: string): Promise<PairRef> {
  const meta = await usableKey(ctx, keyId)
  needs(
    meta.keyUsage === 'ASYMMETRIC_DECRYPT_RSA_2048',
    'UnsupportedOperation.UnsupportedKeyUsage',
    `Key ${meta.keyId} has KeyUsage ${meta.keyUsage}.`,
  )
  return { meta, id: (await ctx.versions.latest(meta)).id }
}

/** The public key of the newest version of a usable asymmetric key, read from the token once per version. */
export async function publicKeyOf(ctx: Pkcs11Context, keyId: string): Promise<KeyObject> {
  const meta = await usableKey(ctx, keyId)
  needsUsage(meta, 'asymmetric')
  const { id } = await ctx.versions.latest(meta)
  const cacheKey = id.toString('hex')
  let key = ctx.publicKeys.get(cacheKey)
  if (!key) {
    key = await readPublicKey(ctx, id, meta.keyId)
    ctx.publicKeys.set(cacheKey, key)
  }
  return key
}
