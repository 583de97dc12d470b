import {
  KEY_USAGES,
  LIMITS,
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  type MessageType,
  type RsaEncryptionAlgorithm,
} from './algorithms.js'
import { checkBytes, checkInt, checkOneOf, checkRequestObject, checkString, needs } from './checks.js'
import { decryptionFailed } from './errors.js'
import { KEY_ORIGINS, KEY_STATES } from './key-metadata.js'
import type {
  AsymmetricRsaDecryptRequest,
  AsymmetricSm2DecryptRequest,
  DecryptRequest,
  EncryptRequest,
  GetParametersForImportRequest,
  ImportKeyMaterialRequest,
  ListKeysRequest,
  ReEncryptRequest,
  VerifyRequest,
} from './key-provider.js'
import { checkEncryptionContext, checkKeyId, checkPlaintext, checkSignRequest } from './request-checks.js'

/**
 * One check per KeyProvider request, run by every provider at its public method before any work or round trip,
 * so that each backend refuses the same bad request with the same code (the field checks are request-checks.ts).
 */

/** Local sanity bound on a CiphertextBlob: far above any blob a 4096-byte plaintext yields. */
export const MAX_CIPHERTEXT_BLOB_CHARS = 16_384

/** RSA decryption algorithms of AsymmetricRsaDecrypt. */
export const RSA_DECRYPT_ALGORITHMS: readonly RsaEncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']

/**
 * A CiphertextBlob is a string. Its content is the key holder's to judge, except that an empty or absurdly long one
 * cannot be a blob at all: that is a decryption failure, with the one fixed message, decided without any work.
 */
export function checkCiphertextBlob(blob: unknown, field = 'CiphertextBlob'): asserts blob is string {
  needs(typeof blob === 'string', 'MissingParameter', `${field} is required and must be a string.`)
  if (blob.length === 0 || blob.length > MAX_CIPHERTEXT_BLOB_CHARS)
    throw decryptionFailed(new Error(`${field} has ${blob.length} characters`))
}

/** ListKeys: Offset 0..2³¹−1, Limit 1-1000, filters from the tables, SearchKeyAlias ≤ 128 characters. */
export function checkListKeysRequest(req: ListKeysRequest): void {
  checkRequestObject(req, 'ListKeys')
  if (req.offset !== undefined) checkInt('Offset', req.offset, 0, 2 ** 31 - 1)
  if (req.limit !== undefined) checkInt('Limit', req.limit, 1, 1000)
  if (req.keyState !== undefined) checkOneOf('KeyState', req.keyState, KEY_STATES)
  if (req.keyUsage !== undefined) checkOneOf('KeyUsage', req.keyUsage, KEY_USAGES)
  if (req.origin !== undefined) checkOneOf('Origin', req.origin, KEY_ORIGINS)
  // A substring of an alias (≤ 60) or of a KeyId (≤ 128); empty means no filter.
  if (req.searchKeyAlias !== undefined) checkString('SearchKeyAlias', req.searchKeyAlias, 128, 0)
}

/** Encrypt: a KeyId, 1-4096 bytes of plaintext, a valid EncryptionContext. */
export function checkEncryptRequest(req: EncryptRequest): void {
  checkRequestObject(req, 'Encrypt')
  checkKeyId(req.keyId)
  checkPlaintext(req.plaintext)
  checkEncryptionContext(req.encryptionContext)
}

/** Decrypt: a CiphertextBlob (no KeyId: the blob names its key) and a valid EncryptionContext. */
export function checkDecryptRequest(req: DecryptRequest): void {
  checkRequestObject(req, 'Decrypt')
  checkCiphertextBlob(req.ciphertextBlob)
  checkEncryptionContext(req.encryptionContext)
}

/** ReEncrypt: a CiphertextBlob, an optional DestinationKeyId, both contexts valid. */
export function checkReEncryptRequest(req: ReEncryptRequest): void {
  checkRequestObject(req, 'ReEncrypt')
  checkCiphertextBlob(req.ciphertextBlob)
  if (req.destinationKeyId !== undefined) checkKeyId(req.destinationKeyId, 'DestinationKeyId')
  checkEncryptionContext(req.sourceEncryptionContext, 'SourceEncryptionContext')
  checkEncryptionContext(req.destinationEncryptionContext, 'DestinationEncryptionContext')
}

/** VerifyByAsymmetricKey: as SignByAsymmetricKey, plus a SignatureValue of 1-1024 bytes. */
export function checkVerifyRequest(req: VerifyRequest): MessageType {
  const messageType = checkSignRequest(req, 'VerifyByAsymmetricKey')
  checkBytes('SignatureValue', req.signature, 1, 1024)
  return messageType
}

/** AsymmetricRsaDecrypt: a KeyId, RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256, 1-512 bytes of ciphertext. */
export function checkRsaDecryptRequest(req: AsymmetricRsaDecryptRequest): void {
  checkRequestObject(req, 'AsymmetricRsaDecrypt')
  checkKeyId(req.keyId)
  checkOneOf('Algorithm', req.algorithm, RSA_DECRYPT_ALGORITHMS)
  checkBytes('Ciphertext', req.ciphertext, 1, 512)
}

/** AsymmetricSm2Decrypt: a KeyId and at most 256 bytes of ciphertext (Tencent's limit). */
export function checkSm2DecryptRequest(req: AsymmetricSm2DecryptRequest): void {
  checkRequestObject(req, 'AsymmetricSm2Decrypt')
  checkKeyId(req.keyId)
  checkBytes('Ciphertext', req.ciphertext, 1, LIMITS.maxSm2CiphertextBytes)
}

/** GetParametersForImport: a KeyId, a wrapping algorithm, RSA_2048 (the default) as the wrapping key spec. */
export function checkImportParametersRequest(req: GetParametersForImportRequest): void {
  checkRequestObject(req, 'GetParametersForImport')
  checkKeyId(req.keyId)
  checkOneOf('WrappingAlgorithm', req.wrappingAlgorithm, WRAPPING_ALGORITHMS)
  checkOneOf('WrappingKeySpec', req.wrappingKeySpec ?? 'RSA_2048', WRAPPING_KEY_SPECS)
}

/**
 * ImportKeyMaterial: a KeyId, an ImportToken (≤ 4096 characters), 1-1024 bytes of wrapped material, ValidTo a Unix
 * time in 32 bits (0 or absent = never). Whether ValidTo is in the future is the key holder's clock to judge.
 */
export function checkImportKeyMaterialRequest(req: ImportKeyMaterialRequest): void {
  checkRequestObject(req, 'ImportKeyMaterial')
  checkKeyId(req.keyId)
  checkString('ImportToken', req.importToken, 4096)
  checkBytes('EncryptedKeyMaterial', req.encryptedKeyMaterial, 1, 1024)
  if (req.validTo !== undefined) checkInt('ValidTo', req.validTo, 0, 0xffffffff)
}
