import {
  DATA_KEY_LENGTHS,
  DataKey,
  toBase64,
  zeroize,
  type CallOptions,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type GenerateDataKeyRequest,
  type ReEncryptRequest,
  type ReEncryptResult,
} from '@keyward/core'
import type { KmsCaller } from './kms-caller.js'
import { contextField, exactBytes, optionalBoolean, requiredBytes, requiredString } from './response-fields.js'

/**
 * Symmetric Actions of the Tencent provider: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateRandom. The
 * CiphertextBlob is Tencent's own string, passed through unchanged; contexts go as JSON with sorted keys.
 */

/** Encrypt. */
export async function encrypt(kms: KmsCaller, req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
  const res = await kms.call(
    'Encrypt',
    {
      KeyId: req.keyId,
      Plaintext: toBase64(req.plaintext),
      ...contextField('EncryptionContext', req.encryptionContext),
    },
    opts,
  )
  return { keyId: requiredString(res, 'KeyId'), ciphertextBlob: requiredString(res, 'CiphertextBlob') }
}

/** Decrypt. */
export async function decrypt(kms: KmsCaller, req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
  const res = await kms.call(
    'Decrypt',
    { CiphertextBlob: req.ciphertextBlob, ...contextField('EncryptionContext', req.encryptionContext) },
    opts,
  )
  return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
}

/** ReEncrypt: SourceKeyId and ReEncrypted default to what an endpoint that omits them means. */
export async function reEncrypt(kms: KmsCaller, req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
  const res = await kms.call(
    'ReEncrypt',
    {
      CiphertextBlob: req.ciphertextBlob,
      ...(req.destinationKeyId === undefined ? {} : { DestinationKeyId: req.destinationKeyId }),
      ...contextField('SourceEncryptionContext', req.sourceEncryptionContext),
      ...contextField('DestinationEncryptionContext', req.destinationEncryptionContext),
    },
    opts,
  )
  const keyId = requiredString(res, 'KeyId')
  return {
    ciphertextBlob: requiredString(res, 'CiphertextBlob'),
    keyId,
    sourceKeyId: typeof res.SourceKeyId === 'string' ? res.SourceKeyId : keyId,
    reEncrypted: optionalBoolean(res, 'ReEncrypted', true),
  }
}

/**
 * GenerateDataKey; the answer's Plaintext must be exactly `length` bytes (as checkGenerateDataKey computed it). Tencent
 * needs KeySpec or NumberOfBytes; NumberOfBytes wins when both are given, as in Tencent. SM4 (a Keyward spec, the
 * 国密 data-key size) is sent as its 16 bytes, which every Tencent endpoint takes.
 */
export async function generateDataKey(
  kms: KmsCaller,
  req: GenerateDataKeyRequest,
  length: number,
  opts?: CallOptions,
): Promise<DataKey> {
  const spec = req.keySpec ?? 'AES_256'
  const size =
    req.numberOfBytes !== undefined
      ? { NumberOfBytes: req.numberOfBytes }
      : spec === 'SM4'
        ? { NumberOfBytes: DATA_KEY_LENGTHS.SM4 }
        : { KeySpec: spec }
  const res = await kms.call(
    'GenerateDataKey',
    { KeyId: req.keyId, ...size, ...contextField('EncryptionContext', req.encryptionContext) },
    opts,
  )
  const plaintext = exactBytes(res, 'Plaintext', length)
  try {
    return new DataKey(requiredString(res, 'KeyId'), plaintext, requiredString(res, 'CiphertextBlob'))
  } catch (e) {
    zeroize(plaintext)
    throw e
  }
}

/** GenerateRandom: exactly `numberOfBytes` bytes, or an error. */
export async function generateRandom(kms: KmsCaller, numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
  const res = await kms.call('GenerateRandom', { NumberOfBytes: numberOfBytes }, opts)
  return exactBytes(res, 'Plaintext', numberOfBytes)
}
