import {
  DATA_KEY_SPECS,
  SEAL_ALGORITHMS,
  checkNumberOfRandomBytes,
  checkPlaintext,
  decodeCiphertextBlob,
  needs,
  requireCompliant,
  toBase64,
  zeroize,
  type ComplianceProfile,
  type DataKeySpec,
  type SymmetricCrypto,
} from '@keyward/core'
import { bytes, encryptionContext, int, oneOf, optInt, optStr, str, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import { sealToPublicKey, type SealAlgorithm } from '../seal-to-public-key.js'
import type { ActionTable } from './action-handler.js'
import { hostDataKey } from './data-key-actions.js'

/** Base64 characters of the largest accepted ciphertext blob (core rejects longer blobs as invalid anyway). */
const MAX_BLOB_CHARS = 16_384

/**
 * EncryptionPublicKey / EncryptionAlgorithm. Without an algorithm, the profile's default (Tencent's SM2, or
 * RSAES_OAEP_SHA_256 under fips); an algorithm the profile refuses is refused before anything is generated.
 */
function sealRequest(
  p: Params,
  profile: ComplianceProfile,
): { publicKey: string; algorithm: SealAlgorithm } | undefined {
  const publicKey = optStr(p, 'EncryptionPublicKey', 8192)
  if (publicKey === undefined || publicKey === '') return undefined
  const algorithm = oneOf(p, 'EncryptionAlgorithm', SEAL_ALGORITHMS, profile.defaults.sealAlgorithm)
  requireCompliant(profile, 'sealAlgorithm', algorithm, 'EncryptionAlgorithm')
  return { publicKey, algorithm }
}

/**
 * Checks EncryptionAlgorithm against the profile before anything is decrypted (the key itself is checked on sealing).
 */
export function checkSealAlgorithm(p: Params, profile: ComplianceProfile): void {
  sealRequest(p, profile)
}

/** Checks EncryptionPublicKey / EncryptionAlgorithm before any work, by sealing a throwaway value. */
export function checkSealRequest(p: Params, profile: ComplianceProfile): void {
  const seal = sealRequest(p, profile)
  if (seal) sealToPublicKey(new Uint8Array(32), seal.publicKey, seal.algorithm)
}

/**
 * The plaintext as the response carries it: base64, or sealed to the caller's EncryptionPublicKey. Zeroes the
 * plaintext buffer either way.
 */
export function plaintextOut(p: Params, plaintext: Uint8Array, profile: ComplianceProfile): string {
  try {
    const seal = sealRequest(p, profile)
    return seal ? sealToPublicKey(plaintext, seal.publicKey, seal.algorithm) : toBase64(plaintext)
  } finally {
    zeroize(plaintext)
  }
}

/** KeyId named inside a Keyward ciphertext blob, when the blob has that format (other providers' may not). */
function blobKeyId(blob: string): string | undefined {
  try {
    return decodeCiphertextBlob(blob).keyId
  } catch {
    return undefined
  }
}

async function encrypt(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const plaintext = bytes(p, 'Plaintext', 8192)
  try {
    checkPlaintext(plaintext)
    const context = encryptionContext(p)
    const owner = await ctx.key(p['KeyId'])
    const r = await ctx.provider.encrypt({
      keyId: owner.keyId,
      plaintext,
      ...(context ? { encryptionContext: context } : {}),
    })
    return { CiphertextBlob: r.ciphertextBlob, KeyId: r.keyId }
  } finally {
    zeroize(plaintext)
  }
}

/** Decrypts a blob for this account: the key it names must be visible and allowed, before and after. */
async function decryptFor(
  ctx: RequestContext<SymmetricCrypto>,
  blob: string,
  context: ReturnType<typeof encryptionContext>,
  action: string,
) {
  const named = blobKeyId(blob)
  if (named !== undefined) await ctx.key(named, action)
  const r = await ctx.provider.decrypt({ ciphertextBlob: blob, ...(context ? { encryptionContext: context } : {}) })
  try {
    if (r.keyId !== named) await ctx.key(r.keyId, action)
  } catch (e) {
    zeroize(r.plaintext)
    throw e
  }
  return r
}

async function decrypt(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const blob = str(p, 'CiphertextBlob', MAX_BLOB_CHARS)
  const context = encryptionContext(p)
  checkSealAlgorithm(p, ctx.services.compliance)
  const r = await decryptFor(ctx, blob, context, 'Decrypt')
  return { KeyId: r.keyId, Plaintext: plaintextOut(p, r.plaintext, ctx.services.compliance) }
}

async function reEncrypt(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const blob = str(p, 'CiphertextBlob', MAX_BLOB_CHARS)
  const source = encryptionContext(p, 'SourceEncryptionContext')
  const destination = encryptionContext(p, 'DestinationEncryptionContext')
  const destinationKeyId = optStr(p, 'DestinationKeyId', 128)
  const named = blobKeyId(blob)
  if (named !== undefined) await ctx.key(named)
  // The source key gives up its plaintext (a Deny on Decrypt refuses it); the destination key encrypts (a Deny on
  // Encrypt refuses it).
  const dest =
    destinationKeyId === undefined || destinationKeyId === ''
      ? undefined
      : await ctx.key(destinationKeyId, 'ReEncrypt', 'DestinationKeyId', ['Encrypt'])
  const r = await ctx.provider.reEncrypt({
    ciphertextBlob: blob,
    ...(dest ? { destinationKeyId: dest.keyId } : {}),
    ...(source ? { sourceEncryptionContext: source } : {}),
    ...(destination ? { destinationEncryptionContext: destination } : {}),
  })
  if (r.sourceKeyId !== named) await ctx.key(r.sourceKeyId)
  return { CiphertextBlob: r.ciphertextBlob, KeyId: r.keyId, SourceKeyId: r.sourceKeyId, ReEncrypted: r.reEncrypted }
}

async function generateDataKey(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const keySpec = optStr(p, 'KeySpec', 16)
  // SM4 (16 bytes) is a Keyward extension: the data-key size of 国密 deployments; the profile refuses the others.
  if (keySpec !== undefined)
    needs(
      (DATA_KEY_SPECS as readonly string[]).includes(keySpec),
      'InvalidParameterValue',
      `KeySpec must be one of ${DATA_KEY_SPECS.join(', ')}.`,
    )
  const numberOfBytes = optInt(p, 'NumberOfBytes')
  // As Tencent: one of the two is required, and NumberOfBytes wins when both are given.
  needs(
    keySpec !== undefined || numberOfBytes !== undefined,
    'MissingParameter',
    'GenerateDataKey needs KeySpec or NumberOfBytes.',
  )
  const context = encryptionContext(p)
  const hosted = optInt(p, 'IsHostedByKms') ?? 0
  needs(hosted === 0 || hosted === 1, 'InvalidParameterValue', 'IsHostedByKms must be 0 or 1.')
  const dataKeyName = optStr(p, 'DataKeyName', 256)
  const description = optStr(p, 'Description', 2048) ?? ''
  if (hosted === 1) {
    needs(
      dataKeyName !== undefined && /^[A-Za-z0-9_-]{1,60}$/.test(dataKeyName),
      'InvalidParameterValue',
      'DataKeyName (1-60 of [A-Za-z0-9_-]) is required when IsHostedByKms is 1.',
    )
  }
  needs(
    Buffer.byteLength(description, 'utf8') <= 100,
    'InvalidParameterValue',
    'Description of a data key must be at most 100 bytes.',
  )
  // A bad EncryptionPublicKey must fail before anything is generated or stored (a hosted name stays free).
  checkSealRequest(p, ctx.services.compliance)
  const owner = await ctx.key(p['KeyId'])
  if (hosted === 1)
    needs(
      !(await ctx.store.dataKeys.nameTaken(ctx.account.accountId, dataKeyName!)),
      'InvalidParameterValue',
      `DataKeyName ${dataKeyName!} is already used by another data key.`,
    )
  const dk = await ctx.provider.generateDataKey({
    keyId: owner.keyId,
    ...(numberOfBytes === undefined ? { keySpec: keySpec as DataKeySpec } : { numberOfBytes }),
    ...(context ? { encryptionContext: context } : {}),
  })
  try {
    // The answer is complete before the data key is stored: a failure after this point stores nothing.
    const plaintext = plaintextOut(p, Uint8Array.from(dk.plaintext), ctx.services.compliance)
    const dataKeyId =
      hosted === 1
        ? await hostDataKey(ctx, owner.keyId, dataKeyName!, description, dk.plaintext.byteLength, dk.ciphertextBlob)
        : undefined
    return {
      KeyId: dk.keyId,
      Plaintext: plaintext,
      CiphertextBlob: dk.ciphertextBlob,
      ...(dataKeyId === undefined ? {} : { DataKeyId: dataKeyId }),
    }
  } finally {
    dk.dispose()
  }
}

async function generateRandom(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const n = int(p, 'NumberOfBytes')
  checkNumberOfRandomBytes(n)
  ctx.allow()
  return { Plaintext: plaintextOut(p, await ctx.provider.generateRandom(n), ctx.services.compliance) }
}

/** Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateRandom. */
export const cryptoActions: ActionTable<SymmetricCrypto> = {
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKey,
  GenerateRandom: generateRandom,
}

export { decryptFor }
