import type { KeyObject } from 'node:crypto'
import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  DataKey,
  INSPECT,
  KEY_USAGE_TABLE,
  KeywardError,
  LIMITS,
  REDACTED,
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  checkBytes,
  checkCreateKey,
  checkEncryptionContext,
  checkGenerateDataKey,
  checkKeyId,
  checkNumberOfRandomBytes,
  checkOneOf,
  checkPlaintext,
  checkSignRequest,
  decodeCiphertextBlob,
  decryptionFailed,
  isKeywardError,
  needs,
  requireCapability,
  toBase64,
  zeroize,
  type AsymmetricRsaDecryptRequest,
  type CallOptions,
  type AsymmetricSm2DecryptRequest,
  type CreateKeyRequest,
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
  type ProviderCapabilities,
  type PublicKeyResult,
  type ReEncryptRequest,
  type ReEncryptResult,
  type SignRequest,
  type SymmetricKeySpec,
  type VerifyRequest,
  type WrappingAlgorithm,
} from '@keyward/core'
import { generateKeyPair, readPublicKey, rsaDecryptInToken, signInToken, verifyInToken } from './asymmetric-crypto.js'
import { pkcs11Capabilities } from './capabilities.js'
import { resolveOptions, type Pkcs11ProviderOptions, type ResolvedPkcs11Options } from './config.js'
import { Pkcs11Byok } from './pkcs11-byok.js'
import { objectId } from './key-templates.js'
import { toKeywardError } from './pkcs11-errors.js'
import { SessionPool } from './session-pool.js'
import { generateSecretKey, openBlob, sealBlob } from './symmetric-crypto.js'
import type { TokenContext } from './token-context.js'
import { TokenConnection } from './token-connection.js'
import { TokenObjects } from './token-objects.js'
import { wrapTokenKey } from './key-export.js'

/** CreateKey with the one PKCS#11-specific option. */
export interface Pkcs11CreateKeyRequest extends CreateKeyRequest {
  /**
   * Create the token key with CKA_EXTRACTABLE=true (still sensitive), so that {@link Pkcs11KeyProvider.wrapKeyMaterialFor}
   * can move it to another provider encrypted. Default false: the key can never leave the token.
   */
  extractable?: boolean
}

const EXTRACTABLE = 'pkcs11-extractable'

/**
 * A KeyProvider whose keys live in a PKCS#11 token (an HSM; SoftHSM2 in tests), over graphene-pk11. Keys are
 * generated inside the token (sensitive, non-extractable by default) and used through token mechanisms; the
 * key store keeps only metadata and, per version, the CKA_ID of the token object.
 *
 * @example
 * ```ts
 * const hsm = new Pkcs11KeyProvider({ tokenLabel: 'keyward', pinEnv: 'HSM_PIN', poolSize: 4, store })
 * const key = await hsm.createKey({ alias: 'payments' })
 * const { ciphertextBlob } = await hsm.encrypt({ keyId: key.keyId, plaintext: Buffer.from('4111 1111') })
 * await hsm.close()
 * ```
 */
export class Pkcs11KeyProvider extends Pkcs11Byok implements KeyProvider {
  readonly name: string
  readonly capabilities: ProviderCapabilities
  readonly #options: ResolvedPkcs11Options
  readonly #connection: TokenConnection
  readonly #ownsStore: boolean
  readonly #publicKeys = new Map<string, KeyObject>()
  #closed = false

  constructor(options: Pkcs11ProviderOptions) {
    const resolved = resolveOptions(options)
    const connection = new TokenConnection(resolved)
    const pool = new SessionPool(connection, resolved.poolSize)
    const ctx: TokenContext = { pool, objects: new TokenObjects(), vendor: resolved.vendor }
    super(resolved.store, resolved.clock, ctx)
    pool.onRecover = () => ctx.objects.clear()
    this.#options = resolved
    this.#connection = connection
    this.#ownsStore = options.store === undefined
    this.name = resolved.name
    this.capabilities = pkcs11Capabilities(resolved.vendor)
  }

  /** Loads the module, finds the token and logs in now instead of on the first call (fail fast at startup). */
  async connect(opts?: CallOptions): Promise<void> {
    this.live(opts)
    await this.ctx.pool.use(async () => undefined)
  }

  protected assertOpen(): void {
    needs(!this.#closed, 'FailedOperation.ProviderUnavailable', 'The PKCS#11 provider is closed.')
  }

  async createKey(req: Pkcs11CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    this.live(opts)
    checkCreateKey(req)
    if (req.extractable !== undefined) needs(typeof req.extractable === 'boolean', 'InvalidParameterValue', 'extractable must be a boolean.')
    const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    requireCapability(this.name, this.capabilities, 'keyUsages', usage)
    if (usage === 'ENCRYPT_DECRYPT') requireCapability(this.name, this.capabilities, 'symmetricKeySpecs', req.keySpec ?? 'AES_256')
    needs(!req.extractable || usage === 'ENCRYPT_DECRYPT', 'UnsupportedOperation', 'Only ENCRYPT_DECRYPT keys can be created extractable.')
    return this.onCreateKey(req)
  }

  protected async onCreateKey(req: Pkcs11CreateKeyRequest): Promise<KeyMetadata> {
    const meta = await this.insertNewKey(req)
    if (req.extractable) await this.store.putRecord(meta.keyId, EXTRACTABLE, Uint8Array.of(1))
    if (meta.type === 2) return meta
    try {
      await this.addVersion(meta)
    } catch (e) {
      await this.store.deleteKey(meta.keyId)
      throw e
    }
    return this.describeKey(meta.keyId)
  }

  protected async onCreateVersion(meta: KeyMetadata, version: number): Promise<Uint8Array> {
    const id = objectId(meta.keyId, version)
    if (meta.keyUsage === 'ENCRYPT_DECRYPT') {
      const extractable = (await this.store.getRecord(meta.keyId, EXTRACTABLE)) !== undefined
      await generateSecretKey(this.ctx, meta.keySpec as SymmetricKeySpec, id, extractable)
    } else {
      await generateKeyPair(this.ctx, meta.keyUsage, id)
    }
    return id
  }

  /** The CKA_ID of a key version's token object (the store's material for it). */
  protected async versionId(keyId: string, version: number): Promise<Buffer | undefined> {
    const ref = await this.store.getVersion(keyId, version)
    return ref && Buffer.from(ref)
  }

  async #latest(meta: KeyMetadata): Promise<{ version: number; id: Buffer }> {
    const version = await this.store.latestVersion(meta.keyId)
    const id = version > 0 ? await this.versionId(meta.keyId, version) : undefined
    if (!id) throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${meta.keyId} has no key material.`)
    return { version, id }
  }

  #needsUsage(meta: KeyMetadata, kind: 'symmetric' | 'asymmetric-decrypt' | 'sign-verify' | 'asymmetric'): void {
    const actual = KEY_USAGE_TABLE[meta.keyUsage].kind
    const ok = kind === 'asymmetric' ? actual !== 'symmetric' : actual === kind
    needs(ok, 'UnsupportedOperation.UnsupportedKeyUsage', `Key ${meta.keyId} has KeyUsage ${meta.keyUsage}.`)
  }

  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'Encrypt needs a request object.')
    checkKeyId(req.keyId)
    checkPlaintext(req.plaintext)
    checkEncryptionContext(req.encryptionContext)
    return this.onEncrypt(req)
  }

  protected async onEncrypt(req: EncryptRequest): Promise<EncryptResult> {
    const meta = await this.usableKey(req.keyId)
    this.#needsUsage(meta, 'symmetric')
    const { version, id } = await this.#latest(meta)
    const ciphertextBlob = await sealBlob(this.ctx, { keyId: meta.keyId, version, spec: meta.keySpec as SymmetricKeySpec, id }, req.plaintext, req.encryptionContext)
    return { keyId: meta.keyId, ciphertextBlob }
  }

  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'Decrypt needs a request object.')
    checkEncryptionContext(req.encryptionContext)
    return this.onDecrypt(req)
  }

  protected async onDecrypt(req: DecryptRequest): Promise<DecryptResult> {
    this.assertOpen()
    // Any malformation, empty or non-string blobs included, is the one fixed decryption failure.
    const parts = decodeCiphertextBlob(req.ciphertextBlob)
    // A blob naming no existing key is a bad ciphertext like any other (the KeyId in it is attacker-controlled).
    const meta = await this.usableKey(parts.keyId, 'decrypt').catch((e: unknown) => {
      throw isKeywardError(e, 'ResourceUnavailable.CmkNotFound') ? decryptionFailed(e) : e
    })
    if (meta.keyUsage !== 'ENCRYPT_DECRYPT') throw decryptionFailed()
    const id = await this.versionId(meta.keyId, parts.keyVersion)
    if (!id) throw decryptionFailed()
    const plaintext = await openBlob(this.ctx, { keyId: meta.keyId, spec: meta.keySpec as SymmetricKeySpec, id }, parts, req.encryptionContext)
    return { keyId: meta.keyId, plaintext }
  }

  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'ReEncrypt needs a request object.')
    if (req.destinationKeyId !== undefined) checkKeyId(req.destinationKeyId, 'DestinationKeyId')
    checkEncryptionContext(req.sourceEncryptionContext, 'SourceEncryptionContext')
    checkEncryptionContext(req.destinationEncryptionContext, 'DestinationEncryptionContext')
    const source = await this.decrypt({ ciphertextBlob: req.ciphertextBlob, ...(req.sourceEncryptionContext ? { encryptionContext: req.sourceEncryptionContext } : {}) })
    try {
      const keyId = req.destinationKeyId ?? source.keyId
      const out = await this.encrypt({ keyId, plaintext: source.plaintext, ...(req.destinationEncryptionContext ? { encryptionContext: req.destinationEncryptionContext } : {}) })
      return { ciphertextBlob: out.ciphertextBlob, keyId: out.keyId, sourceKeyId: source.keyId, reEncrypted: true }
    } finally {
      zeroize(source.plaintext)
    }
  }

  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'GenerateDataKey needs a request object.')
    const length = checkGenerateDataKey(req)
    return this.onGenerateDataKey(req, length)
  }

  /** The data key comes from the token's RNG (C_GenerateRandom) and is sealed under the CMK in the token. */
  protected async onGenerateDataKey(req: GenerateDataKeyRequest, length: number): Promise<DataKey> {
    const meta = await this.usableKey(req.keyId)
    this.#needsUsage(meta, 'symmetric')
    const { version, id } = await this.#latest(meta)
    const plaintext = await this.#random(length)
    try {
      const blob = await sealBlob(this.ctx, { keyId: meta.keyId, version, spec: meta.keySpec as SymmetricKeySpec, id }, plaintext, req.encryptionContext)
      return new DataKey(meta.keyId, plaintext, blob)
    } catch (e) {
      zeroize(plaintext)
      throw e
    }
  }

  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    this.live(opts)
    checkNumberOfRandomBytes(numberOfBytes)
    return this.#random(numberOfBytes)
  }

  async #random(n: number): Promise<Uint8Array> {
    const bytes = await this.ctx.pool.use(async (session) => session.generateRandom(n))
      .catch((e: unknown) => { throw toKeywardError(e, 'GenerateRandom') })
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    this.live(opts)
    checkKeyId(keyId)
    const meta = await this.usableKey(keyId)
    this.#needsUsage(meta, 'asymmetric')
    const { id } = await this.#latest(meta)
    const key = await this.#publicKey(meta.keyId, id)
    const der = key.export({ format: 'der', type: 'spki' })
    return { keyId, publicKey: toBase64(der), publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString() }
  }

  async #publicKey(keyId: string, id: Buffer): Promise<KeyObject> {
    const cacheKey = id.toString('hex')
    let key = this.#publicKeys.get(cacheKey)
    if (!key) {
      key = await readPublicKey(this.ctx, id, keyId)
      this.#publicKeys.set(cacheKey, key)
    }
    return key
  }

  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'AsymmetricRsaDecrypt needs a request object.')
    checkKeyId(req.keyId)
    checkOneOf('Algorithm', req.algorithm, ASYMMETRIC_ENCRYPTION_ALGORITHMS.filter((a) => a !== 'SM2'))
    checkBytes('Ciphertext', req.ciphertext, 1, 512)
    requireCapability(this.name, this.capabilities, 'asymmetricDecryptAlgorithms', req.algorithm)
    const meta = await this.usableKey(req.keyId)
    needs(meta.keyUsage === 'ASYMMETRIC_DECRYPT_RSA_2048', 'UnsupportedOperation.UnsupportedKeyUsage', `Key ${meta.keyId} has KeyUsage ${meta.keyUsage}.`)
    const { id } = await this.#latest(meta)
    const plaintext = await rsaDecryptInToken(this.ctx, id, meta.keyId, req.algorithm, req.ciphertext)
    return { keyId: meta.keyId, plaintext }
  }

  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'AsymmetricSm2Decrypt needs a request object.')
    checkKeyId(req.keyId)
    checkBytes('Ciphertext', req.ciphertext, 1, LIMITS.maxSm2CiphertextBytes)
    throw new KeywardError('UnsupportedOperation', `The ${this.name} provider does not support SM2 (no SM2 mechanism on this token).`)
  }

  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'SignByAsymmetricKey needs a request object.')
    const messageType = checkSignRequest(req)
    requireCapability(this.name, this.capabilities, 'signAlgorithms', req.algorithm)
    const { meta, id } = await this.#signingKey(req)
    return { signature: await signInToken(this.ctx, id, meta.keyId, req.algorithm, req.message, messageType) }
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'VerifyByAsymmetricKey needs a request object.')
    const messageType = checkSignRequest(req)
    checkBytes('SignatureValue', req.signature, 1, 1024)
    requireCapability(this.name, this.capabilities, 'signAlgorithms', req.algorithm)
    const { meta, id } = await this.#signingKey(req)
    return { signatureValid: await verifyInToken(this.ctx, id, meta.keyId, req.algorithm, req.message, messageType, req.signature) }
  }

  async #signingKey(req: SignRequest): Promise<{ meta: KeyMetadata; id: Buffer }> {
    const meta = await this.usableKey(req.keyId)
    needs(KEY_USAGE_TABLE[meta.keyUsage].signAlgorithms.includes(req.algorithm), 'UnsupportedOperation.UnsupportedKeyUsage', `Key ${meta.keyId} (${meta.keyUsage}) cannot sign with ${req.algorithm}.`)
    return { meta, id: (await this.#latest(meta)).id }
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'GetParametersForImport needs a request object.')
    checkKeyId(req.keyId)
    checkOneOf('WrappingAlgorithm', req.wrappingAlgorithm, WRAPPING_ALGORITHMS)
    checkOneOf('WrappingKeySpec', req.wrappingKeySpec ?? 'RSA_2048', WRAPPING_KEY_SPECS)
    requireCapability(this.name, this.capabilities, 'wrappingAlgorithms', req.wrappingAlgorithm)
    return this.onGetParametersForImport(req)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    this.live(opts)
    return this.onImportKeyMaterial(req)
  }

  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    this.live(opts)
    checkKeyId(keyId)
    return this.onDeleteImportedKeyMaterial(keyId)
  }

  /**
   * Wraps the newest version of an extractable symmetric key (created with `extractable: true`) under another
   * provider's import public key with C_WrapKey, for BYOK migration: the material leaves the token encrypted
   * only. Pass the `publicKey` (base64-decoded) and algorithm of the destination's GetParametersForImport.
   */
  async wrapKeyMaterialFor(keyId: string, wrappingPublicKeyDer: Uint8Array, algorithm: WrappingAlgorithm, opts?: CallOptions): Promise<Uint8Array> {
    this.live(opts)
    checkKeyId(keyId)
    checkBytes('WrappingPublicKey', wrappingPublicKeyDer, 1, 2048)
    checkOneOf('WrappingAlgorithm', algorithm, WRAPPING_ALGORITHMS)
    requireCapability(this.name, this.capabilities, 'wrappingAlgorithms', algorithm)
    const meta = await this.usableKey(keyId)
    this.#needsUsage(meta, 'symmetric')
    const { id } = await this.#latest(meta)
    return wrapTokenKey(this.ctx, id, keyId, wrappingPublicKeyDer, algorithm)
  }

  /** Diagnostics: C_Login calls made and sessions open. */
  stats(): { loginAttempts: number; openSessions: number } {
    return { loginAttempts: this.#connection.loginAttempts, openSessions: this.ctx.pool.openSessions }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.ctx.pool.close()
    this.#connection.close()
    this.#publicKeys.clear()
    if (this.#ownsStore) await this.store.close()
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, modulePath: this.#options.modulePath, tokenLabel: this.#options.tokenLabel, slotIndex: this.#options.slotIndex, poolSize: this.#options.poolSize, pin: REDACTED }
  }

  [INSPECT](): string {
    return `Pkcs11KeyProvider ${JSON.stringify(this.toJSON())}`
  }
}
