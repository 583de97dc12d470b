import {
  DATA_KEY_LENGTHS,
  DataKey,
  LIMITS,
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  checkBytes,
  checkEncryptionContext,
  checkGenerateDataKey,
  checkInt,
  checkKeyId,
  checkNumberOfRandomBytes,
  checkOneOf,
  checkPlaintext,
  checkSignRequest,
  checkString,
  toBase64,
  zeroize,
  type AsymmetricRsaDecryptRequest,
  type AsymmetricSm2DecryptRequest,
  type CallOptions,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type GenerateDataKeyRequest,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyProvider,
  type PublicKeyResult,
  type ReEncryptRequest,
  type ReEncryptResult,
  type SignRequest,
  type VerifyRequest,
} from '@keyward/core'
import { TencentKmsKeyLifecycle } from './key-lifecycle.js'
import { contextField, exactBytes, optionalBoolean, requiredBoolean, requiredBytes, requiredNumber, requiredString } from './response-fields.js'
import { checkBlob, checkRequestObject } from './request-shape.js'
import { sm2CiphertextForTencent } from './sm2-ciphertext.js'

const RSA_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const

/**
 * KeyProvider over Tencent Cloud KMS (API 2019-01-18) through tencentcloud-sdk-nodejs, or any endpoint that
 * speaks it (`keyward serve`, a private endpoint). Inputs are checked locally against Tencent's limits
 * before any round trip; calls are retried with core's backoff; failures are KeywardErrors that keep the
 * RequestId. The CiphertextBlob is Tencent's own string, passed through unchanged.
 *
 * @example
 * ```ts
 * const kms = new TencentKmsKeyProvider({ region: 'ap-guangzhou' }) // credentials from env or ~/.tccli
 * const { ciphertextBlob } = await kms.encrypt({ keyId, plaintext: Buffer.from('card 4111') })
 * const { plaintext } = await kms.decrypt({ ciphertextBlob })
 * ```
 */
export class TencentKmsKeyProvider extends TencentKmsKeyLifecycle implements KeyProvider {
  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    /* Precondition: a KeyId, 1-4096 bytes of plaintext, a valid context. */
    checkRequestObject(req, 'Encrypt')
    checkKeyId(req.keyId)
    checkPlaintext(req.plaintext)
    checkEncryptionContext(req.encryptionContext)
    const res = await this.call('Encrypt', { KeyId: req.keyId, Plaintext: toBase64(req.plaintext), ...contextField('EncryptionContext', req.encryptionContext) }, opts)
    return { keyId: requiredString(res, 'KeyId'), ciphertextBlob: requiredString(res, 'CiphertextBlob') }
  }

  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkRequestObject(req, 'Decrypt')
    checkBlob(req.ciphertextBlob)
    checkEncryptionContext(req.encryptionContext)
    const res = await this.call('Decrypt', { CiphertextBlob: req.ciphertextBlob, ...contextField('EncryptionContext', req.encryptionContext) }, opts)
    return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
  }

  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    checkRequestObject(req, 'ReEncrypt')
    checkBlob(req.ciphertextBlob)
    if (req.destinationKeyId !== undefined) checkKeyId(req.destinationKeyId, 'DestinationKeyId')
    checkEncryptionContext(req.sourceEncryptionContext, 'SourceEncryptionContext')
    checkEncryptionContext(req.destinationEncryptionContext, 'DestinationEncryptionContext')
    const res = await this.call(
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

  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    checkRequestObject(req, 'GenerateDataKey')
    const length = checkGenerateDataKey(req)
    return this.onGenerateDataKey(req, length, opts)
  }

  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    checkNumberOfRandomBytes(numberOfBytes)
    const res = await this.call('GenerateRandom', { NumberOfBytes: numberOfBytes }, opts)
    return exactBytes(res, 'Plaintext', numberOfBytes)
  }

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    const res = await this.keyAction('GetPublicKey', keyId, opts)
    return { keyId: requiredString(res, 'KeyId'), publicKey: requiredString(res, 'PublicKey'), publicKeyPem: requiredString(res, 'PublicKeyPem') }
  }

  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkRequestObject(req, 'AsymmetricRsaDecrypt')
    checkKeyId(req.keyId)
    checkOneOf('Algorithm', req.algorithm, RSA_ALGORITHMS)
    checkBytes('Ciphertext', req.ciphertext, 1, 512)
    const res = await this.call('AsymmetricRsaDecrypt', { KeyId: req.keyId, Ciphertext: toBase64(req.ciphertext), Algorithm: req.algorithm }, opts)
    return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
  }

  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkRequestObject(req, 'AsymmetricSm2Decrypt')
    checkKeyId(req.keyId)
    checkBytes('Ciphertext', req.ciphertext, 1, LIMITS.maxSm2CiphertextBytes)
    const der = sm2CiphertextForTencent(req.ciphertext)
    const res = await this.call('AsymmetricSm2Decrypt', { KeyId: req.keyId, Ciphertext: toBase64(der) }, opts)
    return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
  }

  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    /* Precondition: RAW ≤ 4096 bytes or DIGEST = 32 bytes, a known algorithm. */
    checkRequestObject(req, 'SignByAsymmetricKey')
    const messageType = checkSignRequest(req)
    const res = await this.call('SignByAsymmetricKey', { KeyId: req.keyId, Algorithm: req.algorithm, Message: toBase64(req.message), MessageType: messageType }, opts)
    return { signature: requiredBytes(res, 'Signature') }
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    checkRequestObject(req, 'VerifyByAsymmetricKey')
    const messageType = checkSignRequest(req)
    checkBytes('SignatureValue', req.signature, 1, 1024)
    const res = await this.call(
      'VerifyByAsymmetricKey',
      { KeyId: req.keyId, Algorithm: req.algorithm, Message: toBase64(req.message), MessageType: messageType, SignatureValue: toBase64(req.signature) },
      opts,
    )
    return { signatureValid: requiredBoolean(res, 'SignatureValid') }
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    checkRequestObject(req, 'GetParametersForImport')
    checkKeyId(req.keyId)
    checkOneOf('WrappingAlgorithm', req.wrappingAlgorithm, WRAPPING_ALGORITHMS)
    const spec = req.wrappingKeySpec ?? 'RSA_2048'
    checkOneOf('WrappingKeySpec', spec, WRAPPING_KEY_SPECS)
    const res = await this.call('GetParametersForImport', { KeyId: req.keyId, WrappingAlgorithm: req.wrappingAlgorithm, WrappingKeySpec: spec }, opts)
    return {
      keyId: requiredString(res, 'KeyId'),
      importToken: requiredString(res, 'ImportToken'),
      publicKey: requiredString(res, 'PublicKey'),
      parametersValidTo: requiredNumber(res, 'ParametersValidTo'),
    }
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    checkRequestObject(req, 'ImportKeyMaterial')
    checkKeyId(req.keyId)
    checkString('ImportToken', req.importToken, 4096)
    checkBytes('EncryptedKeyMaterial', req.encryptedKeyMaterial, 1, 1024)
    if (req.validTo !== undefined) checkInt('ValidTo', req.validTo, 0, 2 ** 32 - 1)
    await this.call(
      'ImportKeyMaterial',
      {
        KeyId: req.keyId,
        ImportToken: req.importToken,
        EncryptedKeyMaterial: toBase64(req.encryptedKeyMaterial),
        ...(req.validTo ? { ValidTo: req.validTo } : {}),
      },
      opts,
    )
  }

  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    await this.keyAction('DeleteImportedKeyMaterial', keyId, opts)
  }

  protected async onGenerateDataKey(req: GenerateDataKeyRequest, length: number, opts?: CallOptions): Promise<DataKey> {
    // Tencent needs KeySpec or NumberOfBytes; NumberOfBytes wins when both are given, as in Tencent. SM4 (a Keyward
    // spec, the 国密 data-key size) is sent as its 16 bytes, which every Tencent endpoint takes.
    const spec = req.keySpec ?? 'AES_256'
    const size = req.numberOfBytes !== undefined ? { NumberOfBytes: req.numberOfBytes } : spec === 'SM4' ? { NumberOfBytes: DATA_KEY_LENGTHS.SM4 } : { KeySpec: spec }
    const res = await this.call('GenerateDataKey', { KeyId: req.keyId, ...size, ...contextField('EncryptionContext', req.encryptionContext) }, opts)
    const plaintext = exactBytes(res, 'Plaintext', length)
    try {
      return new DataKey(requiredString(res, 'KeyId'), plaintext, requiredString(res, 'CiphertextBlob'))
    } catch (e) {
      zeroize(plaintext)
      throw e
    }
  }
}
