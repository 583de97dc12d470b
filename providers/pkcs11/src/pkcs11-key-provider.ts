import type { KeyObject } from 'node:crypto'
import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  INSPECT,
  KEY_USAGE_TABLE,
  KeywardError,
  LIMITS,
  REDACTED,
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  checkBytes,
  checkCreateKey,
  checkKeyId,
  checkOneOf,
  checkSignRequest,
  needs,
  toBase64,
  type AsymmetricRsaDecryptRequest,
  type CallOptions,
  type AsymmetricSm2DecryptRequest,
  type CreateKeyRequest,
  type DecryptResult,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyMetadata,
  type KeyProvider,
  type ProviderCapabilities,
  type PublicKeyResult,
  type SignRequest,
  type SymmetricKeySpec,
  type VerifyRequest,
  type WrappingAlgorithm,
} from '@keyward/core'
import { generateKeyPair, readPublicKey, rsaDecryptInToken, signInToken, verifyInToken } from './asymmetric-crypto.js'
import { resolveOptions, type Pkcs11ProviderOptions, type ResolvedPkcs11Options } from './config.js'
import { checkImportRequest } from './byok-import.js'
import { Pkcs11Symmetric } from './pkcs11-symmetric.js'
import { objectId } from './key-templates.js'
import { SessionPool } from './session-pool.js'
import { generateSecretKey } from './symmetric-crypto.js'
import type { TokenContext } from './token-context.js'
import { TokenConnection } from './token-connection.js'
import { TokenObjects } from './token-objects.js'
import { planFor, requireDeclared, type CapabilityList, type TokenPlan } from './token-plan.js'
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
export class Pkcs11KeyProvider extends Pkcs11Symmetric implements KeyProvider {
  readonly name: string
  readonly #options: ResolvedPkcs11Options
  readonly #connection: TokenConnection
  readonly #publicKeys = new Map<string, KeyObject>()
  #closed = false

  constructor(options: Pkcs11ProviderOptions) {
    const resolved = resolveOptions(options)
    const connection = new TokenConnection(resolved)
    const pool = new SessionPool(connection, resolved.poolSize)
    let plan: TokenPlan | undefined
    const ctx: TokenContext = { pool, objects: new TokenObjects(), vendor: resolved.vendor, plan: () => (plan ??= planFor(connection.facts(), resolved.vendor)) }
    super(resolved.store, resolved.clock, ctx, resolved.metadataCacheMs)
    pool.onRecover = () => ctx.objects.clear()
    this.#options = resolved
    this.#connection = connection
    this.name = resolved.name
  }

  /**
   * What this provider can do on the connected token, derived from the token's mechanism list and flags
   * (C_GetMechanismList / C_GetMechanismInfo) and the functions it implements. The first read connects to the
   * token (loads the module, no login) and throws FailedOperation.ProviderUnavailable when it cannot.
   */
  get capabilities(): ProviderCapabilities {
    this.assertOpen()
    return this.ctx.plan().capabilities
  }

  /**
   * The token's own answers and what the provider derived from them (mechanisms with flags, optional functions,
   * the scheme used for each operation, and why anything is not declared). For diagnostics and `keyward hsm probe`.
   */
  tokenPlan(): TokenPlan {
    this.assertOpen()
    return this.ctx.plan()
  }

  /** Loads the module, finds the token and logs in now instead of on the first call (fail fast at startup). */
  async connect(opts?: CallOptions): Promise<void> {
    this.live(opts)
    this.ctx.plan()
    await this.ctx.pool.use(async () => undefined)
  }

  protected assertOpen(): void {
    needs(!this.#closed, 'FailedOperation.ProviderUnavailable', 'The PKCS#11 provider is closed.')
  }

  /** UnsupportedOperation naming what the token lacks, unless it supports `value` (token-plan.ts). */
  #require(list: CapabilityList, value: string): void {
    requireDeclared(this.ctx.plan(), this.name, list, value)
  }

  async createKey(req: Pkcs11CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    this.live(opts)
    checkCreateKey(req)
    if (req.extractable !== undefined) needs(typeof req.extractable === 'boolean', 'InvalidParameterValue', 'extractable must be a boolean.')
    const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    this.#require('keyUsages', usage)
    if (usage === 'ENCRYPT_DECRYPT') this.#require('symmetricKeySpecs', req.keySpec ?? 'AES_256')
    if (req.type === 2) needs(this.capabilities.wrappingAlgorithms.length > 0, 'UnsupportedOperation', `The ${this.name} provider cannot import key material on this token: ${this.ctx.plan().gaps.get('RSAES_OAEP_SHA_1') ?? 'no unwrap mechanism'}.`)
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

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    this.live(opts)
    checkKeyId(keyId)
    const meta = await this.usableKey(keyId)
    this.needsUsage(meta, 'asymmetric')
    const { id } = await this.latestVersionId(meta)
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
    this.#require('asymmetricDecryptAlgorithms', req.algorithm)
    const meta = await this.usableKey(req.keyId)
    needs(meta.keyUsage === 'ASYMMETRIC_DECRYPT_RSA_2048', 'UnsupportedOperation.UnsupportedKeyUsage', `Key ${meta.keyId} has KeyUsage ${meta.keyUsage}.`)
    const { id } = await this.latestVersionId(meta)
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
    this.#require('signAlgorithms', req.algorithm)
    const { meta, id } = this.#signingKeyNow(req) ?? await this.#signingKey(req)
    return { signature: await signInToken(this.ctx, id, meta.keyId, req.algorithm, req.message, messageType) }
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'VerifyByAsymmetricKey needs a request object.')
    const messageType = checkSignRequest(req)
    checkBytes('SignatureValue', req.signature, 1, 1024)
    this.#require('signAlgorithms', req.algorithm)
    const { meta, id } = this.#signingKeyNow(req) ?? await this.#signingKey(req)
    return { signatureValid: await verifyInToken(this.ctx, id, meta.keyId, req.algorithm, req.message, messageType, req.signature) }
  }

  async #signingKey(req: SignRequest): Promise<{ meta: Readonly<KeyMetadata>; id: Buffer }> {
    const meta = await this.usableKey(req.keyId)
    this.#needsSignAlgorithm(meta, req)
    return { meta, id: (await this.latestVersionId(meta)).id }
  }

  /** {@link #signingKey} from the caches alone, with no await before the token call; undefined on a miss. */
  #signingKeyNow(req: SignRequest): { meta: Readonly<KeyMetadata>; id: Buffer } | undefined {
    const meta = this.cachedUsableKey(req.keyId)
    if (!meta) return undefined
    this.#needsSignAlgorithm(meta, req)
    const latest = this.cachedLatestVersionId(meta)
    return latest && { meta, id: latest.id }
  }

  #needsSignAlgorithm(meta: Readonly<KeyMetadata>, req: SignRequest): void {
    // if/throw rather than needs(): the message is built only on failure (hot path).
    if (!KEY_USAGE_TABLE[meta.keyUsage].signAlgorithms.includes(req.algorithm)) {
      throw new KeywardError('UnsupportedOperation.UnsupportedKeyUsage', `Key ${meta.keyId} (${meta.keyUsage}) cannot sign with ${req.algorithm}.`)
    }
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    this.live(opts)
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'GetParametersForImport needs a request object.')
    checkKeyId(req.keyId)
    checkOneOf('WrappingAlgorithm', req.wrappingAlgorithm, WRAPPING_ALGORITHMS)
    checkOneOf('WrappingKeySpec', req.wrappingKeySpec ?? 'RSA_2048', WRAPPING_KEY_SPECS)
    this.#require('wrappingAlgorithms', req.wrappingAlgorithm)
    return this.onGetParametersForImport(req)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    this.live(opts)
    checkImportRequest(req, this.now())
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
    this.#require('wrappingAlgorithms', algorithm)
    const meta = await this.usableKey(keyId)
    this.needsUsage(meta, 'symmetric')
    const { id } = await this.latestVersionId(meta)
    return wrapTokenKey(this.ctx, id, keyId, wrappingPublicKeyDer, algorithm)
  }

  /** Diagnostics: C_Login calls made and sessions open. */
  stats(): { loginAttempts: number; openSessions: number } {
    return { loginAttempts: this.#connection.loginAttempts, openSessions: this.ctx.pool.openSessions }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.ctx.pool.close()
    this.#connection.close()
    this.#publicKeys.clear()
    // The provider owns its store, as the software provider does: close() releases it too.
    await this.store.close()
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, modulePath: this.#options.modulePath, libraryParameters: this.#options.libraryParameters, tokenLabel: this.#options.tokenLabel, slotIndex: this.#options.slotIndex, poolSize: this.#options.poolSize, pin: REDACTED }
  }

  [INSPECT](): string {
    return `Pkcs11KeyProvider ${JSON.stringify(this.toJSON())}`
  }
}
