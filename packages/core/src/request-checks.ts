import {
  DATA_KEY_LENGTHS,
  DATA_KEY_SPECS,
  KEY_USAGES,
  LIMITS,
  MESSAGE_TYPES,
  SIGN_ALGORITHMS,
  SYMMETRIC_KEY_SPECS,
  type MessageType,
} from './algorithms.js'
import { checkBytes, checkInt, checkOneOf, checkRequestObject, checkString, needs } from './checks.js'
import type { CreateKeyRequest, EncryptionContext, GenerateDataKeyRequest, SignRequest } from './key-provider.js'

/**
 * The Tencent KMS limits every provider checks locally, before any work or round trip, so that each
 * backend rejects the same bad input with the same code.
 */

const KEY_ID = /^[A-Za-z0-9-]{1,128}$/
/** The shape of a generated KeyId (Tencent's and Keyward's): a lower-case UUID. */
const UUID_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ALIAS = /^[A-Za-z0-9_-]{1,60}$/

/** A KeyId as returned by CreateKey (UUID-like). */
export function checkKeyId(keyId: unknown, field = 'KeyId'): asserts keyId is string {
  needs(typeof keyId === 'string' && keyId.length > 0, 'MissingParameter', `${field} is required.`)
  needs(
    KEY_ID.test(keyId),
    'InvalidParameterValue.InvalidKeyId',
    `${field} ${JSON.stringify(keyId.slice(0, 64))} is not a valid KeyId.`,
  )
}

/**
 * A KeyId chosen by the caller (CreateKey of an EXTERNAL key under the KeyId its old blobs name): it must have the
 * shape of a generated one, a lower-case UUID, so that nobody can reserve readable names (`orders`) that a
 * migration will need later.
 */
export function checkChosenKeyId(keyId: unknown, field = 'KeyId'): asserts keyId is string {
  checkKeyId(keyId, field)
  needs(
    UUID_KEY_ID.test(keyId),
    'InvalidParameterValue.InvalidKeyId',
    `${field} ${JSON.stringify(keyId.slice(0, 64))}: a chosen KeyId must be a lower-case UUID, as generated KeyIds are.`,
  )
}

/** Alias: 1-60 of [A-Za-z0-9_-], not starting with KMS- (reserved, as in Tencent KMS). */
export function checkAlias(alias: unknown): asserts alias is string {
  needs(typeof alias === 'string' && alias.length > 0, 'MissingParameter', 'Alias is required.')
  needs(
    ALIAS.test(alias) && !/^kms-/i.test(alias),
    'InvalidParameterValue.InvalidAlias',
    'Alias must be 1-60 characters of letters, digits, _ and -, and must not start with "KMS-".',
  )
}

export function checkDescription(description: unknown): asserts description is string {
  checkString('Description', description, LIMITS.maxDescriptionChars, 0)
}

export function checkCreateKey(req: CreateKeyRequest): void {
  checkRequestObject(req, 'CreateKey')
  checkAlias(req.alias)
  if (req.description !== undefined) checkDescription(req.description)
  if (req.keyUsage !== undefined) checkOneOf('KeyUsage', req.keyUsage, KEY_USAGES)
  if (req.type !== undefined)
    needs(req.type === 1 || req.type === 2, 'InvalidParameterValue', 'Type must be 1 (KMS-generated) or 2 (EXTERNAL).')
  if (req.keySpec !== undefined) {
    checkOneOf('KeySpec', req.keySpec, SYMMETRIC_KEY_SPECS)
    needs(
      (req.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT',
      'InvalidParameterValue',
      'KeySpec applies to ENCRYPT_DECRYPT keys only.',
    )
  }
  if (req.type === 2) {
    needs(
      (req.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT',
      'UnsupportedOperation',
      'Only ENCRYPT_DECRYPT keys can be EXTERNAL (Type=2), as in Tencent KMS.',
    )
  }
  if (req.keyId !== undefined) {
    checkChosenKeyId(req.keyId)
    needs(req.type === 2, 'InvalidParameterValue', 'KeyId can be chosen only for EXTERNAL (Type=2) keys.')
  }
}

/** EncryptionContext: string keys and values, ≤ 1024 characters as JSON. */
export function checkEncryptionContext(
  ctx: unknown,
  field = 'EncryptionContext',
): asserts ctx is EncryptionContext | undefined {
  if (ctx === undefined) return
  needs(
    ctx !== null && typeof ctx === 'object' && !Array.isArray(ctx),
    'InvalidParameterValue',
    `${field} must be an object of string values.`,
  )
  for (const [k, v] of Object.entries(ctx)) {
    needs(typeof v === 'string', 'InvalidParameterValue', `${field}.${k} must be a string.`)
  }
  needs(
    JSON.stringify(ctx).length <= LIMITS.maxEncryptionContextChars,
    'InvalidParameterValue',
    `${field} must be at most ${LIMITS.maxEncryptionContextChars} characters as JSON.`,
  )
}

/**
 * Canonical bytes of an EncryptionContext, for binding as AAD: keys sorted, JSON. An absent and an empty
 * context are the same.
 */
export function canonicalEncryptionContext(ctx: EncryptionContext | undefined): Buffer {
  if (!ctx) return Buffer.alloc(0)
  const keys = Object.keys(ctx).sort()
  if (keys.length === 0) return Buffer.alloc(0)
  return Buffer.from(JSON.stringify(keys.map((k) => [k, ctx[k]])), 'utf8')
}

export function checkPlaintext(plaintext: unknown): asserts plaintext is Uint8Array {
  checkBytes('Plaintext', plaintext, 1, LIMITS.maxPlaintextBytes)
}

/** GenerateDataKey: keySpec or numberOfBytes; returns the byte length to generate. */
export function checkGenerateDataKey(req: GenerateDataKeyRequest): number {
  checkRequestObject(req, 'GenerateDataKey')
  checkKeyId(req.keyId)
  checkEncryptionContext(req.encryptionContext)
  if (req.numberOfBytes !== undefined) {
    checkInt('NumberOfBytes', req.numberOfBytes, LIMITS.minDataKeyBytes, LIMITS.maxDataKeyBytes)
    return req.numberOfBytes
  }
  const spec = req.keySpec ?? 'AES_256'
  checkOneOf('KeySpec', spec, DATA_KEY_SPECS)
  return DATA_KEY_LENGTHS[spec]
}

export function checkNumberOfRandomBytes(n: unknown): asserts n is number {
  checkInt('NumberOfBytes', n, LIMITS.minRandomBytes, LIMITS.maxRandomBytes)
}

/** SignByAsymmetricKey / VerifyByAsymmetricKey: algorithm, RAW ≤ 4096 bytes or DIGEST = 32 bytes. */
export function checkSignRequest(req: SignRequest, action = 'SignByAsymmetricKey'): MessageType {
  checkRequestObject(req, action)
  checkKeyId(req.keyId)
  checkOneOf('Algorithm', req.algorithm, SIGN_ALGORITHMS)
  const messageType = req.messageType ?? 'RAW'
  checkOneOf('MessageType', messageType, MESSAGE_TYPES)
  if (messageType === 'RAW') checkBytes('Message', req.message, 1, LIMITS.maxRawMessageBytes)
  else checkBytes('Message', req.message, LIMITS.digestBytes, LIMITS.digestBytes)
  return messageType
}

export function checkPendingWindow(days: unknown): asserts days is number {
  checkInt(
    'PendingWindowInDays',
    days,
    LIMITS.minPendingWindowDays,
    LIMITS.maxPendingWindowDays,
    'InvalidParameter.InvalidPendingWindowInDays',
  )
}

export function checkRotateDays(days: unknown): asserts days is number | undefined {
  if (days === undefined) return
  checkInt('RotateDays', days, LIMITS.minRotateDays, LIMITS.maxRotateDays)
}
