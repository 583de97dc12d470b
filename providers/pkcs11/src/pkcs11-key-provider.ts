import {
  INSPECT,
  KeywardError,
  LIMITS,
  REDACTED,
  WRAPPING_ALGORITHMS,
  checkAlias,
  checkBytes,
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
  checkOneOf,
  checkPendingWindow,
  checkReEncryptRequest,
  checkRotateDays,
  checkRsaDecryptRequest,
  checkSignRequest,
  checkSm2DecryptRequest,
  checkVerifyRequest,
  decodeCiphertextBlob,
  needs,
  toBase64,
  zeroize,
  type AsymmetricRsaDecryptRequest,
  type AsymmetricSm2DecryptRequest,
  type CallOptions,
  type CreateKeyRequest,
  type DataKey,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type EncryptionContext,
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
import { rsaDecryptInToken, signInToken, verifyInToken } from './asymmetric-crypto.js'
import { publicKeyOf, rsaDecryptionKey, signingKey, signingKeyNow } from './asymmetric-keys.js'
import { deleteImportedKeyMaterial, getParametersForImport, importKeyMaterial } from './byok-import.js'
import { resolveOptions, type Pkcs11ProviderOptions, type ResolvedPkcs11Options } from './config.js'
import { createKey } from './key-creation.js'
import { wrapTokenKey } from './key-export.js'
import { listKeys, loadKey } from './key-loading.js'
import { disableKeyRotation, enableKeyRotation, getKeyRotationStatus, rotateKey } from './key-rotation.js'
import * as keyState from './key-state.js'
import { createPkcs11Context, type Pkcs11Context } from './pkcs11-context.js'
import { generateDataKey, generateRandom, openBlob, sealBlob } from './symmetric-crypto.js'
import { openSource, sealTarget, sealTargetNow } from './symmetric-keys.js'
import { checkCreateKeyOnToken, requireOnToken } from './token-checks.js'
import { TokenConnection } from './token-connection.js'
import type { TokenPlan } from './token-plan.js'

/** CreateKey with the one PKCS#11-specific option. */
export interface Pkcs11CreateKeyRequest extends CreateKeyRequest {
  /**
   * Create the token key with CKA_EXTRACTABLE=true (still sensitive), so that {@link
   * Pkcs11KeyProvider.wrapKeyMaterialFor} can move it to another provider encrypted. Default false: the key can never
   * leave the token.
   */
  extractable?: boolean
}

/**
 * A KeyProvider whose keys live in a PKCS#11 token (an HSM; SoftHSM2 in tests), over graphene-pk11. Keys are
 * generated inside the token (sensitive, non-extractable by default) and used through token mechanisms; the
 * key store keeps only metadata and, per version, the CKA_ID of the token object.
 *
 * This class lists everything the provider offers. Each method checks its arguments (core's shared `check*`, then
 * what the token can do, token-checks.ts) and delegates to one module function, passing the provider's
 * {@link Pkcs11Context}: key-state / key-rotation / key-creation for administration, symmetric-crypto and
 * asymmetric-crypto for the token mechanisms, byok-import for BYOK.
 *
 * @example
 * ```ts
 * const hsm = new Pkcs11KeyProvider({ tokenLabel: 'keyward', pinEnv: 'HSM_PIN', poolSize: 4, store })
 * const key = await hsm.createKey({ alias: 'payments' })
 * const { ciphertextBlob } = await hsm.encrypt({ keyId: key.keyId, plaintext: Buffer.from('4111 1111') })
 * await hsm.close()
 * ```
 */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly name: string
  readonly #options: ResolvedPkcs11Options
  readonly #connection: TokenConnection
  readonly #ctx: Pkcs11Context
  #closed = false

  constructor(options: Pkcs11ProviderOptions) {
    this.#options = resolveOptions(options)
    this.#connection = new TokenConnection(this.#options)
    this.#ctx = createPkcs11Context(this.#options, this.#connection, () =>
      needs(!this.#closed, 'FailedOperation.ProviderUnavailable', 'The PKCS#11 provider is closed.'),
    )
    this.name = this.#options.name
  }

  /** Every public call starts here: a closed provider or an aborted signal stops it before any work. */
  #live(opts?: CallOptions): Pkcs11Context {
    this.#ctx.assertOpen()
    if (opts?.signal?.aborted)
      throw new KeywardError('FailedOperation.Aborted', 'The call was aborted.', { cause: opts.signal.reason })
    return this.#ctx
  }

  /**
   * What this provider can do on the connected token, derived from the token's mechanism list and flags
   * (C_GetMechanismList / C_GetMechanismInfo) and the functions it implements. The first read connects to the
   * token (loads the module, no login) and throws FailedOperation.ProviderUnavailable when it cannot.
   */
  get capabilities(): ProviderCapabilities {
    return this.#live().plan().capabilities
  }

  /**
   * The token's own answers and what the provider derived from them (mechanisms with flags, optional functions,
   * the scheme used for each operation, and why anything is not declared). For diagnostics and `keyward hsm probe`.
   */
  tokenPlan(): TokenPlan {
    return this.#live().plan()
  }

  /** Loads the module, finds the token and logs in now instead of on the first call (fail fast at startup). */
  async connect(opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    ctx.plan()
    await ctx.pool.use(async () => undefined)
  }

  // ── Key administration ─────────────────────────────────────────────────────────────────────────────────────

  /** CreateKey: metadata in the store, the first version generated in the token (key-creation.ts). */
  async createKey(req: Pkcs11CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    const ctx = this.#live(opts)
    checkCreateKey(req)
    checkCreateKeyOnToken(ctx, req)
    return createKey(ctx, req, req.extractable === true)
  }

  /** DescribeKey, after due transitions (purge, expiry, rotation) are applied. */
  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return loadKey(ctx, keyId)
  }

  /** ListKeys: every key's due transitions are applied first, so a purged key is never listed. */
  async listKeys(req: ListKeysRequest = {}, opts?: CallOptions): Promise<ListKeysResult> {
    const ctx = this.#live(opts)
    checkListKeysRequest(req)
    return listKeys(ctx, req)
  }

  async updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    checkAlias(alias)
    return keyState.updateAlias(ctx, keyId, alias)
  }

  async updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    checkDescription(description)
    return keyState.updateKeyDescription(ctx, keyId, description)
  }

  async enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return keyState.enableKey(ctx, keyId)
  }

  async disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return keyState.disableKey(ctx, keyId)
  }

  /** Tencent semantics: the key must be Disabled (or PendingImport) first. */
  async scheduleKeyDeletion(
    keyId: string,
    pendingWindowInDays: number,
    opts?: CallOptions,
  ): Promise<{ deletionDate: number }> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    checkPendingWindow(pendingWindowInDays)
    return keyState.scheduleKeyDeletion(ctx, keyId, pendingWindowInDays)
  }

  /** Back to Disabled, or PendingImport when an EXTERNAL key has no material. */
  async cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return keyState.cancelKeyDeletion(ctx, keyId)
  }

  async archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return keyState.archiveKey(ctx, keyId)
  }

  async cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return keyState.cancelKeyArchive(ctx, keyId)
  }

  /** Rotation applies to ENCRYPT_DECRYPT keys of origin TENCENT_KMS only (key-rotation.ts). */
  async enableKeyRotation(
    keyId: string,
    rotateDays: number = LIMITS.defaultRotateDays,
    opts?: CallOptions,
  ): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    checkRotateDays(rotateDays)
    return enableKeyRotation(ctx, keyId, rotateDays)
  }

  async disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return disableKeyRotation(ctx, keyId)
  }

  async getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return getKeyRotationStatus(ctx, keyId)
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return rotateKey(ctx, keyId)
  }

  // ── Symmetric: CKM_AES_GCM (or AES-CBC + HMAC, or the vendor SM4_GCM) in the token, core's blob format ──────

  /** Encrypt: symmetric-crypto.ts sealBlob → token-ops.ts encryptIntoAsync → pkcs11js C_Encrypt. */
  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    this.#live(opts)
    checkEncryptRequest(req)
    return this.#encrypt(req.keyId, req.plaintext, req.encryptionContext)
  }

  async #encrypt(keyId: string, plaintext: Uint8Array, context: EncryptionContext | undefined): Promise<EncryptResult> {
    // The cached path takes no await before the token call: on a ~100 µs operation each one shows.
    const target = sealTargetNow(this.#ctx, keyId) ?? (await sealTarget(this.#ctx, keyId))
    return { keyId: target.keyId, ciphertextBlob: await sealBlob(this.#ctx, target, plaintext, context) }
  }

  /** Decrypt: any malformed blob, wrong context or unknown key is the one fixed decryption failure. */
  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    this.#live(opts)
    checkDecryptRequest(req)
    return this.#decrypt(req.ciphertextBlob, req.encryptionContext)
  }

  async #decrypt(ciphertextBlob: string, context: EncryptionContext | undefined): Promise<DecryptResult> {
    const parts = decodeCiphertextBlob(ciphertextBlob)
    const source = await openSource(this.#ctx, parts)
    return { keyId: source.keyId, plaintext: await openBlob(this.#ctx, source, parts, context) }
  }

  /** ReEncrypt: decrypt and encrypt in the token (under the same key when no destination is given). */
  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    this.#live(opts)
    checkReEncryptRequest(req)
    const source = await this.#decrypt(req.ciphertextBlob, req.sourceEncryptionContext)
    try {
      const out = await this.#encrypt(
        req.destinationKeyId ?? source.keyId,
        source.plaintext,
        req.destinationEncryptionContext,
      )
      return { ciphertextBlob: out.ciphertextBlob, keyId: out.keyId, sourceKeyId: source.keyId, reEncrypted: true }
    } finally {
      zeroize(source.plaintext)
    }
  }

  /** GenerateDataKey: the data key comes from the token's RNG and is sealed under the CMK in the token. */
  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    const ctx = this.#live(opts)
    const length = checkGenerateDataKey(req)
    return generateDataKey(ctx, await sealTarget(ctx, req.keyId), length, req.encryptionContext)
  }

  /** GenerateRandom: C_GenerateRandom. */
  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    const ctx = this.#live(opts)
    checkNumberOfRandomBytes(numberOfBytes)
    return generateRandom(ctx, numberOfBytes)
  }

  // ── Asymmetric: the private key never leaves the token ────────────────────────────────────────────────────

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    const key = await publicKeyOf(ctx, keyId)
    const der = key.export({ format: 'der', type: 'spki' })
    return { keyId, publicKey: toBase64(der), publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString() }
  }

  /** RSAES_OAEP_SHA_1 in the token; RSAES_OAEP_SHA_256 as raw RSA in the token + OAEP decoding on the host. */
  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const ctx = this.#live(opts)
    checkRsaDecryptRequest(req)
    requireOnToken(ctx, 'asymmetricDecryptAlgorithms', req.algorithm)
    const { meta, id } = await rsaDecryptionKey(ctx, req.keyId)
    return { keyId: meta.keyId, plaintext: await rsaDecryptInToken(ctx, id, meta.keyId, req.algorithm, req.ciphertext) }
  }

  /** Never offered: no token has an SM2 mechanism (the request is still checked, as on every provider). */
  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    this.#live(opts)
    checkSm2DecryptRequest(req)
    throw new KeywardError(
      'UnsupportedOperation',
      `The ${this.name} provider does not support SM2 (no SM2 mechanism on this token).`,
    )
  }

  /** C_Sign with the token's private key (sign-mechanisms.ts picks RAW or DIGEST); ECDSA comes back DER. */
  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    const ctx = this.#live(opts)
    const messageType = checkSignRequest(req)
    requireOnToken(ctx, 'signAlgorithms', req.algorithm)
    const { meta, id } = signingKeyNow(ctx, req) ?? (await signingKey(ctx, req))
    return { signature: await signInToken(ctx, id, meta.keyId, req.algorithm, req.message, messageType) }
  }

  /** C_Verify with the token's public key object; a malformed signature is just invalid. */
  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    const ctx = this.#live(opts)
    const messageType = checkVerifyRequest(req)
    requireOnToken(ctx, 'signAlgorithms', req.algorithm)
    const { meta, id } = signingKeyNow(ctx, req) ?? (await signingKey(ctx, req))
    return {
      signatureValid: await verifyInToken(ctx, id, meta.keyId, req.algorithm, req.message, messageType, req.signature),
    }
  }

  // ── Key import (BYOK), byok-import.ts ────────────────────────────────────────────────────────────────────

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    const ctx = this.#live(opts)
    checkImportParametersRequest(req)
    requireOnToken(ctx, 'wrappingAlgorithms', req.wrappingAlgorithm)
    return getParametersForImport(ctx, req)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkImportKeyMaterialRequest(req)
    return importKeyMaterial(ctx, req)
  }

  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    return deleteImportedKeyMaterial(ctx, keyId)
  }

  /**
   * Wraps the newest version of an extractable symmetric key (created with `extractable: true`) under another
   * provider's import public key with C_WrapKey, for BYOK migration: the material leaves the token encrypted
   * only. Pass the `publicKey` (base64-decoded) and algorithm of the destination's GetParametersForImport.
   */
  async wrapKeyMaterialFor(
    keyId: string,
    wrappingPublicKeyDer: Uint8Array,
    algorithm: WrappingAlgorithm,
    opts?: CallOptions,
  ): Promise<Uint8Array> {
    const ctx = this.#live(opts)
    checkKeyId(keyId)
    checkBytes('WrappingPublicKey', wrappingPublicKeyDer, 1, 2048)
    checkOneOf('WrappingAlgorithm', algorithm, WRAPPING_ALGORITHMS)
    requireOnToken(ctx, 'wrappingAlgorithms', algorithm)
    const { id } = await sealTarget(ctx, keyId)
    return wrapTokenKey(ctx, id, keyId, wrappingPublicKeyDer, algorithm)
  }

  // ── The provider itself ──────────────────────────────────────────────────────────────────────────────────

  /** Diagnostics: C_Login calls made and sessions open. */
  stats(): { loginAttempts: number; openSessions: number } {
    return { loginAttempts: this.#connection.loginAttempts, openSessions: this.#ctx.pool.openSessions }
  }

  /** Waits for the calls in flight, closes the sessions, releases the module and closes the store (it owns it). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#ctx.pool.close()
    this.#connection.close()
    this.#ctx.publicKeys.clear()
    await this.#ctx.store.close()
  }

  /** The configuration, the PIN redacted. */
  toJSON(): Record<string, unknown> {
    const o = this.#options
    return {
      name: this.name,
      modulePath: o.modulePath,
      libraryParameters: o.libraryParameters,
      tokenLabel: o.tokenLabel,
      slotIndex: o.slotIndex,
      poolSize: o.poolSize,
      pin: REDACTED,
    }
  }

  [INSPECT](): string {
    return `Pkcs11KeyProvider ${JSON.stringify(this.toJSON())}`
  }
}
