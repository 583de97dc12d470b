import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import {
  IMPORT_MATERIAL_BYTES,
  KeywardError,
  LIMITS,
  checkBytes,
  checkInt,
  checkKeyId,
  checkString,
  needs,
  type ImportKeyMaterialRequest,
  type KeyMetadata,
  type KeyStore,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from '@keyward/core'
import { importKeyId, importedKeyTemplate, objectId } from './key-templates.js'
import { readImportRecord, readKcv, writeKcv } from './import-record.js'
import { isSessionLost, toKeywardError } from './pkcs11-errors.js'
import { keyCheckValue, secretKeyKind } from './symmetric-crypto.js'
import type { TokenContext } from './token-context.js'
import { unwrapKeyAsync } from './token-ops.js'

/** The unwrapping mechanism of a wrapping algorithm; OAEP-SHA-256 is not offered (SoftHSM 2.6 lacks it). */
export function unwrapMechanism(algorithm: WrappingAlgorithm): graphene.MechanismType {
  if (algorithm === 'RSAES_PKCS1_V1_5') return 'RSA_PKCS'
  if (algorithm === 'RSAES_OAEP_SHA_1') return { name: 'RSA_PKCS_OAEP', params: new graphene.RsaOaepParams(graphene.MechanismEnum.SHA1, graphene.RsaMgf.MGF1_SHA1) }
  throw new KeywardError('UnsupportedOperation', `The PKCS#11 provider cannot unwrap ${algorithm} on this token.`)
}

/** Preconditions of ImportKeyMaterial that need no key. */
export function checkImportRequest(req: ImportKeyMaterialRequest, now: number): void {
  needs(req !== null && typeof req === 'object', 'MissingParameter', 'ImportKeyMaterial needs a request object.')
  checkKeyId(req.keyId)
  checkString('ImportToken', req.importToken, 1024)
  checkBytes('EncryptedKeyMaterial', req.encryptedKeyMaterial, 1, 1024)
  if (req.validTo !== undefined && req.validTo !== 0) {
    checkInt('ValidTo', req.validTo, now + 1, Number.MAX_SAFE_INTEGER)
  }
}

/** A fresh, unguessable import token. */
export function newImportToken(): string {
  return randomBytes(32).toString('base64')
}

/** What an import did: a new version (its CKA_ID) or confirmed identical material already present. */
export type ImportOutcome = { kind: 'added'; id: Buffer } | { kind: 'identical' }

/**
 * C_UnwrapKey of the wrapped material with the key's current import private key, straight into a sensitive,
 * non-extractable token key: the plaintext material never exists in host memory. The first import stores a
 * token-computed key check value; later imports must match it (Tencent: only identical material may be
 * re-imported), and an identical re-import while material is present changes nothing in the token.
 */
export async function unwrapMaterial(ctx: TokenContext, store: KeyStore, meta: KeyMetadata, req: ImportKeyMaterialRequest, now: number): Promise<ImportOutcome> {
  const record = await readImportRecord(store, meta.keyId)
  needs(record !== undefined, 'ResourceUnavailable.TokenExpired', `Key ${meta.keyId} has no import parameters; call GetParametersForImport.`)
  const given = Buffer.from(req.importToken, 'utf8')
  const current = Buffer.from(record.token, 'utf8')
  needs(given.length === current.length && timingSafeEqual(given, current), 'ResourceUnavailable.TokenExpired', 'ImportToken is not the newest import token of this key; call GetParametersForImport again.')
  needs(record.validTo > now, 'ResourceUnavailable.TokenExpired', `The import token expired (valid for ${LIMITS.importTokenValiditySeconds / 3600} h).`)
  const spec = meta.keySpec as SymmetricKeySpec
  const { keyType } = secretKeyKind(ctx, spec)
  const hasMaterial = (await store.latestVersion(meta.keyId)) > 0
  const id = objectId(meta.keyId, (await store.latestVersion(meta.keyId)) + 1)
  const expectedKcv = await readKcv(store, meta.keyId)
  return ctx.pool.use(async (session) => {
    // A half-finished earlier attempt may have left an object with this id.
    if (!hasMaterial) ctx.objects.destroy(session, id)
    let key: graphene.Key
    try {
      const unwrapping = ctx.objects.find(session, 'private', importKeyId(meta.keyId), meta.keyId)
      key = await unwrapKeyAsync(session, unwrapMechanism(record.algorithm), unwrapping, Buffer.from(req.encryptedKeyMaterial), importedKeyTemplate(id, keyType, !hasMaterial))
    } catch (e) {
      if (isSessionLost(e) || (e instanceof KeywardError && e.code !== 'ResourceUnavailable.CmkNotFound')) throw e
      throw new KeywardError('InvalidParameter.DecryptMaterialError', 'The key material could not be unwrapped with the current import key and algorithm.', { cause: e })
    }
    try {
      const length = key.getAttribute({ valueLen: null }).valueLen
      needs(length === IMPORT_MATERIAL_BYTES[spec], 'InvalidParameterValue', `Key material for ${spec} must be ${IMPORT_MATERIAL_BYTES[spec]} bytes, got ${String(length)}.`)
      const kcv = await keyCheckValue(ctx, spec, key, session)
      if (expectedKcv) {
        needs(kcv.length === expectedKcv.length && timingSafeEqual(kcv, expectedKcv), 'InvalidParameterValue.MaterialNotMatch', 'The key material differs from the material imported before; only identical material may be re-imported.')
      } else {
        await writeKcv(store, meta.keyId, kcv)
      }
      if (hasMaterial) {
        session.destroy(key)
        return { kind: 'identical' }
      }
      return { kind: 'added', id }
    } catch (e) {
      try { session.destroy(key) } catch { /* session object goes with the session anyway */ }
      throw isSessionLost(e) ? e : toKeywardError(e, 'ImportKeyMaterial')
    }
  })
}
