import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import {
  KeywardError,
  LIMITS,
  checkBytes,
  checkImportTokenAlgorithm,
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
import { deriveWorkingKeys } from './etm-crypto.js'
import { enforceKeyAttributes } from './key-attributes.js'
import { importKeyId, importedKeyTemplate, objectId } from './key-templates.js'
import { readImportRecord, readKcv, writeKcv } from './import-record.js'
import { probeMaterial, unwrapError } from './material-probe.js'
import { toKeywardError } from './pkcs11-errors.js'
import { secretKeyKind } from './symmetric-crypto.js'
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
 * non-extractable token key: the plaintext material never exists in host memory. Length and key check value are
 * checked first (probeMaterial); the first import stores the check value and later imports must match it
 * (Tencent: only identical material may be re-imported); an identical re-import while material is present
 * changes nothing in the token.
 */
export async function unwrapMaterial(ctx: TokenContext, store: KeyStore, meta: KeyMetadata, req: ImportKeyMaterialRequest, now: number): Promise<ImportOutcome> {
  const record = await readImportRecord(store, meta.keyId)
  needs(record !== undefined, 'ResourceUnavailable.TokenExpired', `Key ${meta.keyId} has no import parameters; call GetParametersForImport.`)
  const given = Buffer.from(req.importToken, 'utf8')
  const current = Buffer.from(record.token, 'utf8')
  needs(given.length === current.length && timingSafeEqual(given, current), 'ResourceUnavailable.TokenExpired', 'ImportToken is not the newest import token of this key; call GetParametersForImport again.')
  needs(record.validTo > now, 'ResourceUnavailable.TokenExpired', `The import token expired (valid for ${LIMITS.importTokenValiditySeconds / 3600} h).`)
  checkImportTokenAlgorithm(req.allowedWrappingAlgorithms, record.algorithm)
  const spec = meta.keySpec as SymmetricKeySpec
  const { keyType } = secretKeyKind(ctx, spec)
  const latest = await store.latestVersion(meta.keyId)
  const id = objectId(meta.keyId, latest + 1)
  const expectedKcv = await readKcv(store, meta.keyId)
  const wrapped = Buffer.from(req.encryptedKeyMaterial)
  // An RSA-2048 ciphertext is exactly 256 bytes; tokens answer other lengths with codes as varied as
  // CKR_ARGUMENTS_BAD (NSS), so it is refused here, as the bad material it is.
  needs(wrapped.length === 256, 'InvalidParameter.DecryptMaterialError', 'The key material could not be unwrapped with the current import key and algorithm.')
  const mech = unwrapMechanism(record.algorithm)
  const scheme = ctx.plan().symmetric === 'AES-256-CBC-HMAC-SHA256' && spec === 'AES_256' ? 'etm' : 'gcm'
  const role = scheme === 'etm' ? 'derive' : 'cipher'
  const probeId = Buffer.concat([id, Buffer.from('/probe', 'ascii')])
  return ctx.pool.use(async (session) => {
    const unwrapping = ctx.objects.find(session, 'private', importKeyId(meta.keyId), meta.keyId)
    const unwrap = (template: graphene.ITemplate): Promise<graphene.Key> =>
      unwrapKeyAsync(session, mech, unwrapping, wrapped, template).catch((e: unknown) => { throw unwrapError(e) })
    const kcv = await probeMaterial(ctx, session, spec, probeId, (extractable) => unwrap(importedKeyTemplate(probeId, keyType, false, role, extractable)))
    if (expectedKcv) {
      needs(kcv.length === expectedKcv.length && timingSafeEqual(kcv, expectedKcv), 'InvalidParameterValue.MaterialNotMatch', 'The key material differs from the material imported before; only identical material may be re-imported.')
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
    if (!expectedKcv) await writeKcv(store, meta.keyId, kcv)
    return { kind: 'added' as const, id }
  }).then((r): ImportOutcome => r, (e: unknown) => { throw toKeywardError(e, 'ImportKeyMaterial') })
}
