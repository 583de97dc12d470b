import { randomBytes } from 'node:crypto'
import {
  INSPECT,
  KeywardError,
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
  systemClock,
  type AsymmetricRsaDecryptRequest,
  type AsymmetricSm2DecryptRequest,
  type CallOptions,
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
  type WrappingAlgorithm,
} from '@keyward/core'
import * as asymmetric from './asymmetric-ops.js'
import { KeyBook } from './key-book.js'
import { checkSoftwareCreateKey, createKey } from './key-creation.js'
import * as importing from './key-import.js'
import * as lifecycle from './key-lifecycle.js'
import * as rotation from './key-rotation.js'
import {
  SOFTWARE_CAPABILITIES,
  type SoftwareCreateKeyRequest,
  type SoftwareKeyProviderOptions,
} from './provider-options.js'
import * as symmetric from './symmetric-ops.js'

/**
 * A {@link KeyProvider} on Node's OpenSSL (AES-256-GCM, RSA, ECDSA P-256) and @keyward/gm (SM2, SM4), with keys in a
 * {@link KeyStore} sealed under a root key. Every method checks its input with core's request checks, then hands
 * the work and the {@link KeyBook} (store, root key, clock, write lock) to one module: key-creation, key-lifecycle,
 * key-rotation, key-import, symmetric-ops, asymmetric-ops. Symmetric ciphertexts use core's blob format, the one the
 * PKCS#11 provider emits, so keys migrated between the two keep decrypting. Nothing secret is reachable through
 * toJSON or util.inspect.
 *
 * @example
 * ```ts
 * const provider = new SoftwareKeyProvider({
 *   store: SqliteKeyStore.open('/var/lib/keyward/keys.db'),
 *   rootKey: RootKey.load({ keyFile: '/etc/keyward/root.key' }),
 * })
 * const { keyId } = await provider.createKey({ alias: 'orders' })
 * const { ciphertextBlob } = await provider.encrypt({ keyId, plaintext: Buffer.from('4111 1111 1111 1111') })
 * ```
 */
export class SoftwareKeyProvider implements KeyProvider {
  readonly name: string
  readonly capabilities: ProviderCapabilities = SOFTWARE_CAPABILITIES
  readonly #book: KeyBook
  #closed = false

  constructor(options: SoftwareKeyProviderOptions) {
    if (!options || !options.store || !options.rootKey) {
      throw new KeywardError('MissingParameter', 'SoftwareKeyProvider needs a store and a rootKey.')
    }
    this.name = options.name ?? 'software'
    this.#book = new KeyBook(options.store, options.rootKey, options.clock ?? systemClock)
  }

  /** CreateKey; `exportable: true` allows exportWrappedKeyMaterial for a symmetric key. */
  async createKey(req: SoftwareCreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    const book = this.#live(opts)
    checkCreateKey(req)
    checkSoftwareCreateKey(req)
    return book.exclusive(() => createKey(book, req))
  }

  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    return lifecycle.describeKey(book, keyId)
  }

  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    const book = this.#live(opts)
    checkListKeysRequest(req)
    return lifecycle.listKeys(book, req)
  }

  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    checkAlias(alias)
    await lifecycle.updateKey(book, keyId, { alias })
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    checkDescription(description)
    await lifecycle.updateKey(book, keyId, { description })
  }

  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await lifecycle.setKeyState(this.#keyCall(keyId, opts), keyId, 'EnableKey')
  }

  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    await lifecycle.setKeyState(this.#keyCall(keyId, opts), keyId, 'DisableKey')
  }

  async scheduleKeyDeletion(
    keyId: string,
    pendingWindowInDays: number,
    opts?: CallOptions,
  ): Promise<{ deletionDate: number }> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    checkPendingWindow(pendingWindowInDays)
    return lifecycle.scheduleKeyDeletion(book, keyId, pendingWindowInDays)
  }

  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    await lifecycle.cancelKeyDeletion(this.#keyCall(keyId, opts), keyId)
  }

  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    await lifecycle.setKeyState(this.#keyCall(keyId, opts), keyId, 'ArchiveKey')
  }

  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    await lifecycle.setKeyState(this.#keyCall(keyId, opts), keyId, 'CancelKeyArchive')
  }

  async enableKeyRotation(keyId: string, rotateDays?: number, opts?: CallOptions): Promise<void> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    checkRotateDays(rotateDays)
    await rotation.enableKeyRotation(book, keyId, rotateDays)
  }

  async disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    await rotation.disableKeyRotation(this.#keyCall(keyId, opts), keyId)
  }

  async getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    return rotation.keyRotationStatus(this.#keyCall(keyId, opts), keyId)
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    await rotation.rotateKey(this.#keyCall(keyId, opts), keyId)
  }

  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    const book = this.#live(opts)
    checkEncryptRequest(req)
    return symmetric.encrypt(book, req)
  }

  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.#live(opts)
    checkDecryptRequest(req)
    return symmetric.decrypt(book, req)
  }

  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    const book = this.#live(opts)
    checkReEncryptRequest(req)
    return symmetric.reEncrypt(book, req)
  }

  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    const book = this.#live(opts)
    const numberOfBytes = checkGenerateDataKey(req)
    return symmetric.generateDataKey(book, req, numberOfBytes)
  }

  /** GenerateRandom (1-1024 bytes) from Node's CSPRNG. */
  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    this.#live(opts)
    checkNumberOfRandomBytes(numberOfBytes)
    return randomBytes(numberOfBytes)
  }

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    return asymmetric.getPublicKey(this.#keyCall(keyId, opts), keyId)
  }

  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.#live(opts)
    checkRsaDecryptRequest(req)
    return asymmetric.asymmetricDecrypt(book, req.keyId, req.algorithm, req.ciphertext)
  }

  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.#live(opts)
    checkSm2DecryptRequest(req)
    return asymmetric.asymmetricDecrypt(book, req.keyId, 'SM2', req.ciphertext)
  }

  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    const book = this.#live(opts)
    const messageType = checkSignRequest(req)
    return asymmetric.sign(book, req, messageType)
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    const book = this.#live(opts)
    const messageType = checkVerifyRequest(req)
    return asymmetric.verify(book, req, messageType)
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    const book = this.#live(opts)
    checkImportParametersRequest(req)
    return importing.getParametersForImport(book, req)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    const book = this.#live(opts)
    checkImportKeyMaterialRequest(req)
    await importing.importKeyMaterial(book, req)
  }

  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    await importing.deleteImportedKeyMaterial(this.#keyCall(keyId, opts), keyId)
  }

  /**
   * Software-only extension for BYOK migration: the key's newest symmetric material wrapped with another provider's
   * import public key (DER SPKI, RSA-2048) and algorithm, ready for its ImportKeyMaterial. Only keys created with
   * `exportable: true`; blobs of older versions stay here.
   */
  async exportWrappedKeyMaterial(
    keyId: string,
    wrappingPublicKeyDer: Uint8Array,
    wrappingAlgorithm: WrappingAlgorithm,
    opts?: CallOptions,
  ): Promise<Uint8Array> {
    const book = this.#live(opts)
    checkKeyId(keyId)
    const wrappingKey = importing.checkExportWrappedKeyMaterial(wrappingPublicKeyDer, wrappingAlgorithm)
    return importing.exportWrappedKeyMaterial(book, keyId, wrappingKey, wrappingAlgorithm)
  }

  /** Closes the store and zeroes the root key and cached material. Later calls fail with ProviderUnavailable. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#book.close()
  }

  toJSON(): { name: string; closed: boolean; store: string } {
    return { name: this.name, closed: this.#closed, store: this.#book.store.constructor.name }
  }

  [INSPECT](): string {
    return `SoftwareKeyProvider { name: '${this.name}', store: ${this.#book.store.constructor.name}, rootKey: [REDACTED]${this.#closed ? ', closed' : ''} }`
  }

  /** The key book, after checking that the provider is open and the call was not aborted. */
  #live(opts?: CallOptions): KeyBook {
    if (this.#closed)
      throw new KeywardError('FailedOperation.ProviderUnavailable', `The ${this.name} provider is closed.`)
    if (opts?.signal?.aborted)
      throw new KeywardError('FailedOperation.Aborted', 'The call was aborted.', { cause: opts.signal.reason })
    return this.#book
  }

  /** {@link #live} for a call whose only input is a KeyId. */
  #keyCall(keyId: string, opts?: CallOptions): KeyBook {
    const book = this.#live(opts)
    checkKeyId(keyId)
    return book
  }
}
