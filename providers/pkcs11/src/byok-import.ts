import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import {
  KeywardError,
  LIMITS,
  checkImportTokenAlgorithm,
  needs,
  toBase64,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyMetadata,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from '@keyward/core'
import { generateRsaPair, readPublicKey } from './asymmetric-crypto.js'
import { deriveWorkingKeys } from './etm-crypto.js'
import { readImportRecord, readKcv, writeImportRecord, writeKcv } from './import-record.js'
import { enforceKeyAttributes } from './key-attributes.js'
import { loadKey } from './key-loading.js'
import { importKeyId, importedKeyTemplate, objectId } from './key-templates.js'
import { probeMaterial, unwrapError } from './material-probe.js'
import { nowSeconds, type Pkcs11Context } from './pkcs11-context.js'
import { toKeywardError } from './pkcs11-errors.js'
import { secretKeyKind } from './symmetric-crypto.js'
import { destroyObjects, destroyVersions } from './token-material.js'
import { unwrapKeyAsync } from './token-ops.js'

/*
 * BYOK into the token, with the semantics every Keyward provider shares: an RSA-2048 wrapping pair generated in the
 * token per GetParametersForImport (only the newest valid, for 24 h), C_UnwrapKey into a sensitive, non-extractable
 * key, only identical material re-importable, ValidTo expiry and DeleteImportedKeyMaterial back to PendingImport.
 * The steps of one key run one at a time (ctx.locks.perKey); the arguments are checked by the provider.
 */

/** The unwrapping mechanism of a wrapping algorithm; OAEP-SHA-256 is not offered (SoftHSM 2.6 lacks it). */
export function unwrapMechanism(algorithm: WrappingAlgorithm): graphene.MechanismType {
  if (algorithm === 'RSAES_PKCS1_V1_5') return 'RSA_PKCS'
  if (algorithm === 'RSAES_OAEP_SHA_1')
    return {
      name: 'RSA_PKCS_OAEP',
      params: new graphene.RsaOaepParams(graphene.MechanismEnum.SHA1, graphene.RsaMgf.MGF1_SHA1),
    }
  throw new KeywardError('UnsupportedOperation', `The PKCS#11 provider cannot unwrap ${algorithm} on this token.`)
}

/** BYOK applies to EXTERNAL (Type 2) keys that are not pending deletion. */
function needsExternal(meta: KeyMetadata): void {
  needs(
    meta.origin === 'EXTERNAL',
    'UnsupportedOperation.NotUserCreatedCmk',
    `Key ${meta.keyId} was not created with Type=2 (EXTERNAL).`,
  )
  needs(
    meta.keyState !== 'PendingDelete',
    'ResourceUnavailable.CmkStateNotSupport',
    `Key ${meta.keyId} is pending deletion.`,
  )
}

/**
 * A new RSA-2048 wrapping pair in the token and a fresh import token, valid 24 h. A new token invalidates the old
 * one: its wrapping pair is destroyed, so material wrapped for it cannot unwrap.
 */
export function getParametersForImport(
  ctx: Pkcs11Context,
  req: GetParametersForImportRequest,
): Promise<ImportParameters> {
  return ctx.locks.perKey(req.keyId, async () => {
    const meta = await loadKey(ctx, req.keyId)
    needsExternal(meta)
    const id = importKeyId(meta.keyId)
    await destroyObjects(ctx, id)
    await generateRsaPair(ctx, id, 'unwrap')
    const publicKey = (await readPublicKey(ctx, id, meta.keyId)).export({ format: 'der', type: 'spki' })
    const parametersValidTo = nowSeconds(ctx) + LIMITS.importTokenValiditySeconds
    const importToken = randomBytes(32).toString('base64')
    await writeImportRecord(ctx.store, meta.keyId, {
      token: importToken,
      algorithm: req.wrappingAlgorithm,
      validTo: parametersValidTo,
    })
    return { keyId: meta.keyId, importToken, publicKey: toBase64(publicKey), parametersValidTo }
  })
}

/**
 * Imports wrapped material (see {@link unwrapMaterial}); the key becomes Enabled with its ValidTo, which must be
 * in the future on the provider's clock (or 0 for never).
 */
export function importKeyMaterial(ctx: Pkcs11Context, req: ImportKeyMaterialRequest): Promise<void> {
  const validTo = req.validTo ?? 0
  needs(
    validTo === 0 || validTo > nowSeconds(ctx),
    'InvalidParameterValue',
    'ValidTo must be in the future (or 0 for never).',
  )
  return ctx.locks.perKey(req.keyId, async () => {
    const meta = await loadKey(ctx, req.keyId)
    needsExternal(meta)
    const outcome = await unwrapMaterial(ctx, meta, req, nowSeconds(ctx))
    const patch: Partial<KeyMetadata> = { validTo }
    if (outcome.kind === 'added') patch.keyVersionCount = await ctx.store.addVersion(meta.keyId, outcome.id)
    if (meta.keyState === 'PendingImport') patch.keyState = 'Enabled'
    await ctx.store.updateKey(meta.keyId, patch)
  })
}

/** Destroys the imported material in the token; the key goes back to PendingImport. */
export function deleteImportedKeyMaterial(ctx: Pkcs11Context, keyId: string): Promise<void> {
  return ctx.locks.perKey(keyId, async () => {
    const meta = await loadKey(ctx, keyId)
    needsExternal(meta)
    await destroyVersions(ctx, keyId)
    await ctx.store.deleteVersions(keyId)
    ctx.versions.drop(keyId)
    await ctx.store.updateKey(keyId, { keyState: 'PendingImport', validTo: 0, keyVersionCount: 0 })
  })
}

/** What an import did: a new version (its CKA_ID) or confirmed identical material already present. */
type ImportOutcome = { kind: 'added'; id: Buffer } | { kind: 'identical' }

/**
 * C_UnwrapKey of the wrapped material with the key's current import private key, straight into a sensitive,
 * non-extractable token key: the plaintext material never exists in host memory. Length and key check value are
 * checked first (probeMaterial); the first import stores the check value and later imports must match it
 * (Tencent: only identical material may be re-imported); an identical re-import while material is present
 * changes nothing in the token.
 */
async function unwrapMaterial(
  ctx: Pkcs11Context,
  meta: KeyMetadata,
  req: ImportKeyMaterialRequest,
  now: number,
): Promise<ImportOutcome> {
  const record = await readImportRecord(ctx.store, meta.keyId)
  needs(
    record !== undefined,
    'ResourceUnavailable.TokenExpired',
    `Key ${meta.keyId} has no import parameters; call GetParametersForImport.`,
  )
  const given = Buffer.from(req.importToken, 'utf8')
  const current = Buffer.from(record.token, 'utf8')
  needs(
    given.length === current.length && timingSafeEqual(given, current),
    'ResourceUnavailable.TokenExpired',
    'ImportToken is not the newest import token of this key; call GetParametersForImport again.',
  )
  needs(
    record.validTo > now,
    'ResourceUnavailable.TokenExpired',
    `The import token expired (valid for ${LIMITS.importTokenValiditySeconds / 3600} h).`,
  )
  checkImportTokenAlgorithm(req.allowedWrappingAlgorithms, record.algorithm)
  const spec = meta.keySpec as SymmetricKeySpec
  const { keyType } = secretKeyKind(ctx, spec)
  const latest = await ctx.store.latestVersion(meta.keyId)
  const id = objectId(meta.keyId, latest + 1)
  const expectedKcv = await readKcv(ctx.store, meta.keyId)
  const wrapped = Buffer.from(req.encryptedKeyMaterial)
  // An RSA-2048 ciphertext is exactly 256 bytes; tokens answer other lengths with codes as varied as
  // CKR_ARGUMENTS_BAD (NSS), so it is refused here, as the bad material it is.
  needs(
    wrapped.length === 256,
    'InvalidParameter.DecryptMaterialError',
    'The key material could not be unwrapped with the current import key and algorithm.',
  )
  const mech = unwrapMechanism(record.algorithm)
  const scheme = ctx.plan().symmetric === 'AES-256-CBC-HMAC-SHA256' && spec === 'AES_256' ? 'etm' : 'gcm'
  const role = scheme === 'etm' ? 'derive' : 'cipher'
  const probeId = Buffer.concat([id, Buffer.from('/probe', 'ascii')])
  return ctx.pool
    .use(async (session) => {
      const unwrapping = ctx.objects.find(session, 'private', importKeyId(meta.keyId), meta.keyId)
      const unwrap = (template: graphene.ITemplate): Promise<graphene.Key> =>
        unwrapKeyAsync(session, mech, unwrapping, wrapped, template).catch((e: unknown) => {
          throw unwrapError(e)
        })
      const kcv = await probeMaterial(ctx, session, spec, probeId, (extractable) =>
        unwrap(importedKeyTemplate(probeId, keyType, false, role, extractable)),
      )
      if (expectedKcv) {
        needs(
          kcv.length === expectedKcv.length && timingSafeEqual(kcv, expectedKcv),
          'InvalidParameterValue.MaterialNotMatch',
          'The key material differs from the material imported before; only identical material may be re-imported.',
        )
      }
      if (latest > 0) return { kind: 'identical' as const }
      // A half-finished earlier attempt may have left objects with this id.
      ctx.objects.destroy(session, id)
      const key = await unwrap(importedKeyTemplate(id, keyType, true, role, false))
      try {
        enforceKeyAttributes(session, key, false)
        if (scheme === 'etm') await deriveWorkingKeys(session, key, id, true)
      } catch (e) {
        ctx.objects.destroy(session, id)
        throw e
      }
      if (!expectedKcv) await writeKcv(ctx.store, meta.keyId, kcv)
      return { kind: 'added' as const, id }
    })
    .then(
      (r): ImportOutcome => r,
      (e: unknown) => {
        throw toKeywardError(e, 'ImportKeyMaterial')
      },
    )
}
