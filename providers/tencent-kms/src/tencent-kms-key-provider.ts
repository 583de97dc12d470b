import {
  INSPECT,
  checkAlias,
  checkCreateKey,
  checkDecryptRequest,
  checkDescription,
  checkEncryptRequest,
  checkGenerateDataKey,
  checkImportKeyMaterialRequest,
  checkImportParametersRequest,
  checkKeyId,
  checkListKeysRequest,
  checkNumberOfRandomBytes,
  checkPendingWindow,
  checkReEncryptRequest,
  checkRotateDays,
  checkRsaDecryptRequest,
  checkSignRequest,
  checkSm2DecryptRequest,
  checkVerifyRequest,
  requireCapability,
  type AsymmetricRsaDecryptRequest,
  type AsymmetricSm2DecryptRequest,
  type CallOptions,
  type CreateKeyRequest,
  type DataKey,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type GenerateDataKeyRequest,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyMetadata,
  type KeyProvider,
  type KeyRotationStatus,
  type ListKeysRequest,
  type ListKeysResult,
  type ProviderCapabilities,
  type PublicKeyResult,
  type ReEncryptRequest,
  type ReEncryptResult,
  type SignRequest,
  type VerifyRequest,
} from '@keyward/core'
import * as asymmetric from './asymmetric-ops.js'
import { tencentKmsCapabilities } from './capabilities.js'
import { resolveOptions, type ResolvedOptions, type TencentKmsOptions } from './config.js'
import { KmsCaller, type CallStats } from './kms-caller.js'
import { createKey } from './key-creation.js'
import * as importing from './key-import.js'
import * as lifecycle from './key-lifecycle.js'
import * as symmetric from './symmetric-ops.js'

/**
 * KeyProvider over Tencent Cloud KMS (API 2019-01-18), or any endpoint that speaks it (`keyward serve`, a private
 * endpoint). Every method checks its input locally with core's request checks (before any round trip), then hands
 * one Action to a module (key-creation, key-lifecycle, symmetric-ops, asymmetric-ops, key-import) with the
 * provider's {@link KmsCaller}: retried with core's backoff, per-attempt timeout, failures mapped to KeywardErrors
 * that keep the RequestId. The CiphertextBlob is Tencent's own string, passed through unchanged.
 *
 * @example
 * ```ts
 * const kms = new TencentKmsKeyProvider({ region: 'ap-guangzhou' }) // credentials from env or ~/.tccli
 * const { ciphertextBlob } = await kms.encrypt({ keyId, plaintext: Buffer.from('card 4111') })
 * const { plaintext } = await kms.decrypt({ ciphertextBlob })
 * ```
 */
export class TencentKmsKeyProvider implements KeyProvider {
  readonly name: string
  readonly capabilities: ProviderCapabilities
  /** The region every call goes to. */
  readonly region: string
  readonly #options: ResolvedOptions
  readonly #kms: KmsCaller

  constructor(options: TencentKmsOptions = {}) {
    this.#options = resolveOptions(options)
    this.name = this.#options.name
    this.region = this.#options.region
    this.capabilities = tencentKmsCapabilities(this.#options.symmetricKeySpecs)
    this.#kms = new KmsCaller({
      client: this.#options.clientSupplier(this.region),
      requestTimeoutMs: this.#options.requestTimeoutMs,
      retry: this.#options.retry,
      name: this.name,
      ...(this.#options.onAttempt ? { onAttempt: this.#options.onAttempt } : {}),
    })
  }

  /** Calls, attempts and failures so far (attempts − calls = retries). */
  get stats(): Readonly<CallStats> {
    return this.#kms.stats
  }

  async createKey(req: CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    checkCreateKey(req)
    if (req.keySpec !== undefined) requireCapability(this.name, this.capabilities, 'symmetricKeySpecs', req.keySpec)
    return createKey(this.#kms, this.capabilities.symmetricKeySpecs, req, opts)
  }

  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    checkKeyId(keyId)
    return lifecycle.describeKey(this.#kms, keyId, opts)
  }

  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    checkListKeysRequest(req)
    return lifecycle.listKeys(this.#kms, req, opts)
  }

  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkAlias(alias)
    await this.#kms.call('UpdateAlias', { KeyId: keyId, Alias: alias }, opts)
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkDescription(description)
    await this.#kms.call('UpdateKeyDescription', { KeyId: keyId, Description: description }, opts)
  }

  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('EnableKey', keyId, opts)
  }

  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('DisableKey', keyId, opts)
  }

  async scheduleKeyDeletion(
    keyId: string,
    pendingWindowInDays: number,
    opts?: CallOptions,
  ): Promise<{ deletionDate: number }> {
    checkKeyId(keyId)
    checkPendingWindow(pendingWindowInDays)
    return lifecycle.scheduleKeyDeletion(this.#kms, keyId, pendingWindowInDays, opts)
  }

  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('CancelKeyDeletion', keyId, opts)
  }

  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('ArchiveKey', keyId, opts)
  }

  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('CancelKeyArchive', keyId, opts)
  }

  async enableKeyRotation(keyId: string, rotateDays?: number, opts?: CallOptions): Promise<void> {
    checkKeyId(keyId)
    checkRotateDays(rotateDays)
    await lifecycle.enableKeyRotation(this.#kms, keyId, rotateDays, opts)
  }

  async disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('DisableKeyRotation', keyId, opts)
  }

  async getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    checkKeyId(keyId)
    return lifecycle.keyRotationStatus(this.#kms, keyId, opts)
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('RotateKey', keyId, opts)
  }

  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    checkEncryptRequest(req)
    return symmetric.encrypt(this.#kms, req, opts)
  }

  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkDecryptRequest(req)
    return symmetric.decrypt(this.#kms, req, opts)
  }

  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    checkReEncryptRequest(req)
    return symmetric.reEncrypt(this.#kms, req, opts)
  }

  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    const length = checkGenerateDataKey(req)
    return symmetric.generateDataKey(this.#kms, req, length, opts)
  }

  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    checkNumberOfRandomBytes(numberOfBytes)
    return symmetric.generateRandom(this.#kms, numberOfBytes, opts)
  }

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    checkKeyId(keyId)
    return asymmetric.getPublicKey(this.#kms, keyId, opts)
  }

  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkRsaDecryptRequest(req)
    return asymmetric.rsaDecrypt(this.#kms, req, opts)
  }

  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    checkSm2DecryptRequest(req)
    return asymmetric.sm2Decrypt(this.#kms, req, opts)
  }

  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    const messageType = checkSignRequest(req)
    return asymmetric.sign(this.#kms, req, messageType, opts)
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    const messageType = checkVerifyRequest(req)
    return asymmetric.verify(this.#kms, req, messageType, opts)
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    checkImportParametersRequest(req)
    return importing.getParametersForImport(this.#kms, req, opts)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    checkImportKeyMaterialRequest(req)
    await importing.importKeyMaterial(this.#kms, req, opts)
  }

  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#keyAction('DeleteImportedKeyMaterial', keyId, opts)
  }

  /** Marks the provider closed (later calls: ProviderUnavailable); the transport holds no session to release. */
  async close(): Promise<void> {
    this.#kms.close()
  }

  toJSON(): { name: string; region: string; endpoint: string } {
    return { name: this.name, region: this.region, endpoint: this.#options.endpoint }
  }

  [INSPECT](): string {
    return `TencentKmsKeyProvider { name: '${this.name}', region: '${this.region}', endpoint: '${this.#options.endpoint}' }`
  }

  /** An Action whose only parameter is the KeyId, after checking it. */
  #keyAction(action: string, keyId: string, opts?: CallOptions): Promise<unknown> {
    checkKeyId(keyId)
    return this.#kms.call(action, { KeyId: keyId }, opts)
  }
}
