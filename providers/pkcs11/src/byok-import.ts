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
import { generateKeyAsync, unwrapKeyAsync, wrapKeyAsync } from './token-ops.js'

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
 * Length and key check value of wrapped material, found inside the token. SoftHSM leaves CKA_VALUE_LEN at 0 on
 * C_UnwrapKey (and accepts AES keys of any length), so the length is measured: the material is unwrapped into an
 * extractable session object, wrapped with CKM_AES_KEY_WRAP under an ephemeral session AES key (output = length
 * rounded up to 8, + 8), used once for the key check value (which fails for a length that is no key size), and
 * both objects are destroyed. The wrapped bytes are under a key that never leaves the token and is
 * gone a moment later, so the material is never in host memory in plaintext.
 */
async function probeMaterial(ctx: TokenContext, session: graphene.Session, spec: SymmetricKeySpec, unwrap: () => Promise<graphene.Key>): Promise<Buffer> {
  const probe = await unwrap()
  let ephemeral: graphene.Key | undefined
  try {
    ephemeral = await generateKeyAsync(session, 'AES_KEY_GEN', { keyType: graphene.KeyType.AES, valueLen: 32, token: false, sensitive: true, extractable: false, wrap: true })
    let length: number | undefined
    try {
      const wrapped = await wrapKeyAsync(session, 'AES_KEY_WRAP', ephemeral, probe)
      length = wrapped.length - 8
    } catch (e) {
      // RFC 3394 wraps multiples of 8 bytes only; anything else is the wrong length for every key spec.
      if (isSessionLost(e)) throw e
    }
    const wrongLength = `Key material for ${spec} must be ${IMPORT_MATERIAL_BYTES[spec]} bytes.`
    needs(length === IMPORT_MATERIAL_BYTES[spec], 'InvalidParameterValue', wrongLength)
    try {
      return await keyCheckValue(ctx, spec, probe, session)
    } catch (e) {
      // SoftHSM pads a 25-31 byte key to 32 when wrapping it, so the wrap length alone is not exact; the cipher
      // itself refuses a key that is not a valid key size (only 32 of 25-32 is an AES key size).
      if (isSessionLost(e)) throw e
      throw new KeywardError('InvalidParameterValue', wrongLength, { cause: e })
    }
  } finally {
    for (const o of [probe, ephemeral]) {
      if (o) try { session.destroy(o) } catch { /* session objects die with the session */ }
    }
  }
}

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
  const spec = meta.keySpec as SymmetricKeySpec
  const { keyType } = secretKeyKind(ctx, spec)
  const latest = await store.latestVersion(meta.keyId)
  const id = objectId(meta.keyId, latest + 1)
  const expectedKcv = await readKcv(store, meta.keyId)
  const wrapped = Buffer.from(req.encryptedKeyMaterial)
  const mech = unwrapMechanism(record.algorithm)
  return ctx.pool.use(async (session) => {
    const unwrapping = ctx.objects.find(session, 'private', importKeyId(meta.keyId), meta.keyId)
    const unwrap = async (template: graphene.ITemplate): Promise<graphene.Key> => {
      try {
        return await unwrapKeyAsync(session, mech, unwrapping, wrapped, template)
      } catch (e) {
        if (isSessionLost(e)) throw e
        throw new KeywardError('InvalidParameter.DecryptMaterialError', 'The key material could not be unwrapped with the current import key and algorithm.', { cause: e })
      }
    }
    const kcv = await probeMaterial(ctx, session, spec, () => unwrap({ ...importedKeyTemplate(id, keyType, false), extractable: true }))
    if (expectedKcv) {
      needs(kcv.length === expectedKcv.length && timingSafeEqual(kcv, expectedKcv), 'InvalidParameterValue.MaterialNotMatch', 'The key material differs from the material imported before; only identical material may be re-imported.')
    }
    if (latest > 0) return { kind: 'identical' as const }
    // A half-finished earlier attempt may have left an object with this id.
    ctx.objects.destroy(session, id)
    await unwrap(importedKeyTemplate(id, keyType, true))
    if (!expectedKcv) await writeKcv(store, meta.keyId, kcv)
    return { kind: 'added' as const, id }
  }).then((r): ImportOutcome => r, (e: unknown) => { throw toKeywardError(e, 'ImportKeyMaterial') })
}
