import type { ProviderCapabilities } from './capabilities.js'
import {
  checkComplianceProfileName,
  complianceProfile,
  complianceRefusal,
  isCompliant,
  narrowCapabilities,
  requireCompliant,
  strictestCompliance,
} from './compliance-checks.js'
import { ComplianceGate, blobCipherOf, blobKeyIdOf } from './compliance-gate.js'
import {
  COMPLIANCE_UNIVERSE,
  type ComplianceProfile,
  type ComplianceProfileName,
  type ComplianceSubject,
} from './compliance-profiles.js'
import {
  COMPLIANCE_BINDING,
  complianceBindingOf,
  type ComplianceBinding,
  type LegacyDecryptEvent,
} from './compliance-scope.js'
import type { DataKey } from './data-key.js'
import { needs } from './checks.js'
import { KeywardError } from './errors.js'
import type { KeyMetadata } from './key-metadata.js'
import type {
  AsymmetricRsaDecryptRequest,
  AsymmetricSm2DecryptRequest,
  CallOptions,
  CreateKeyRequest,
  DecryptRequest,
  DecryptResult,
  EncryptRequest,
  EncryptResult,
  GenerateDataKeyRequest,
  GetParametersForImportRequest,
  ImportKeyMaterialRequest,
  ImportParameters,
  KeyProvider,
  KeyRotationStatus,
  ListKeysRequest,
  ListKeysResult,
  PublicKeyResult,
  ReEncryptRequest,
  ReEncryptResult,
  SignRequest,
  VerifyRequest,
} from './key-provider.js'
import { zeroize } from './zeroize.js'

/** Options of {@link withCompliance}. */
export interface ComplianceOptions {
  /**
   * Let decryption of data made with algorithms the profile refuses through (AES ciphertexts under `gm`, during a
   * migration). Off by default; needs `onLegacyDecrypt`, which records every such call — a call whose record fails
   * returns nothing.
   */
  allowLegacyDecrypt?: boolean
  onLegacyDecrypt?: (event: LegacyDecryptEvent) => void | Promise<void>
}

/**
 * `provider` under a compliance profile: capabilities narrowed to what the profile allows, defaults switched (under
 * `gm` CreateKey makes SM4 keys and GenerateDataKey 16-byte data keys), and every request naming or using a refused
 * algorithm — including keys made before the profile was switched on — refused with
 * `UnsupportedOperation.ComplianceProfile`. The result cannot be loosened: wrapping it again with `none` returns it
 * unchanged, and flows built on it take its profile. `none` returns `provider` itself.
 *
 * @example
 * ```ts
 * const gm = withCompliance(provider, 'gm')
 * await gm.createKey({ alias: 'orders' })                       // an SM4 key
 * await gm.createKey({ alias: 'x', keySpec: 'AES_256' })        // UnsupportedOperation.ComplianceProfile
 * ```
 */
export function withCompliance(
  provider: KeyProvider,
  profile: ComplianceProfileName | ComplianceProfile,
  options: ComplianceOptions = {},
): KeyProvider {
  const p = complianceProfile(profile)
  checkComplianceProfileName(p.name)
  const bound = complianceBindingOf(provider)
  const name = strictestCompliance([
    { profile: bound?.profile.name, source: `provider ${provider.name}` },
    { profile: p.name, source: 'withCompliance' },
  ])
  if (name === 'none' || bound) return provider
  needs(
    !options.allowLegacyDecrypt || typeof options.onLegacyDecrypt === 'function',
    'MissingParameter',
    'allowLegacyDecrypt needs onLegacyDecrypt: every legacy decryption is audited.',
  )
  return new CompliantProvider(provider, p, options)
}

class CompliantProvider implements KeyProvider {
  readonly name: string
  readonly capabilities: ProviderCapabilities
  readonly [COMPLIANCE_BINDING]: ComplianceBinding
  readonly #inner: KeyProvider
  readonly #gate: ComplianceGate

  constructor(
    inner: KeyProvider,
    readonly profile: ComplianceProfile,
    options: ComplianceOptions,
  ) {
    this.#inner = inner
    this.name = inner.name
    this.capabilities = narrowCapabilities(inner.capabilities, profile)
    this.#gate = new ComplianceGate(profile, (keyId, opts) => inner.describeKey(keyId, opts))
    const record = options.onLegacyDecrypt
    this[COMPLIANCE_BINDING] = Object.freeze({
      profile,
      allowLegacyDecrypt: options.allowLegacyDecrypt === true,
      recordLegacyDecrypt: async (e: LegacyDecryptEvent) => {
        if (!record) throw new KeywardError('InternalError', 'Legacy decryption is not allowed here.')
        await record(e)
      },
    })
  }

  /** Refuses a legacy decryption unless allowed; returns the event to record once it succeeded. */
  #legacy(action: string, keyId: string, subject: ComplianceSubject, value: string): LegacyDecryptEvent {
    return this.#gate.legacy(this[COMPLIANCE_BINDING].allowLegacyDecrypt, action, keyId, subject, value)
  }

  /** Records `event` (when there is one); a failed record zeroes and withholds the plaintext. */
  async #recorded<T>(event: LegacyDecryptEvent | undefined, result: T, plaintext?: Uint8Array): Promise<T> {
    if (!event) return result
    try {
      await this[COMPLIANCE_BINDING].recordLegacyDecrypt(event)
    } catch (e) {
      if (plaintext) zeroize(plaintext)
      throw new KeywardError('InternalError', 'A legacy decryption could not be audited, so its result is withheld.', {
        cause: e,
      })
    }
    return result
  }

  /** The legacy event of a decrypted result whose key the blob did not name (opaque blobs), or undefined. */
  async #afterDecrypt(action: string, keyId: string, plaintext: Uint8Array): Promise<LegacyDecryptEvent | undefined> {
    try {
      const k = await this.#gate.key(keyId)
      if (isCompliant(this.profile, 'keySpec', k.keySpec)) return undefined
      return this.#legacy(action, keyId, 'keySpec', k.keySpec)
    } catch (e) {
      zeroize(plaintext)
      throw e
    }
  }

  async createKey(req: CreateKeyRequest, opts?: CallOptions): Promise<KeyMetadata> {
    return this.#seen(await this.#inner.createKey(this.#gate.createKey(req), opts))
  }

  async describeKey(keyId: string, opts?: CallOptions): Promise<KeyMetadata> {
    return this.#seen(await this.#inner.describeKey(keyId, opts))
  }

  async listKeys(req?: ListKeysRequest, opts?: CallOptions): Promise<ListKeysResult> {
    const r = await this.#inner.listKeys(req, opts)
    for (const k of r.keys) this.#seen(k)
    return r
  }

  #seen(meta: KeyMetadata): KeyMetadata {
    if (meta && typeof meta.keyId === 'string') this.#gate.remember(meta)
    return meta
  }

  updateAlias(keyId: string, alias: string, opts?: CallOptions): Promise<void> {
    return this.#inner.updateAlias(keyId, alias, opts)
  }
  updateKeyDescription(keyId: string, description: string, opts?: CallOptions): Promise<void> {
    return this.#inner.updateKeyDescription(keyId, description, opts)
  }
  enableKey(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.enableKey(keyId, opts)
  }
  disableKey(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.disableKey(keyId, opts)
  }
  scheduleKeyDeletion(keyId: string, days: number, opts?: CallOptions): Promise<{ deletionDate: number }> {
    return this.#inner.scheduleKeyDeletion(keyId, days, opts)
  }
  cancelKeyDeletion(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.cancelKeyDeletion(keyId, opts)
  }
  disableKeyRotation(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.disableKeyRotation(keyId, opts)
  }
  getKeyRotationStatus(keyId: string, opts?: CallOptions): Promise<KeyRotationStatus> {
    return this.#inner.getKeyRotationStatus(keyId, opts)
  }
  archiveKey(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.archiveKey(keyId, opts)
  }
  cancelKeyArchive(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.cancelKeyArchive(keyId, opts)
  }
  generateRandom(n: number, opts?: CallOptions): Promise<Uint8Array> {
    return this.#inner.generateRandom(n, opts)
  }
  deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    return this.#inner.deleteImportedKeyMaterial(keyId, opts)
  }
  close(): Promise<void> {
    return this.#inner.close()
  }

  // Rotation makes new material of the key's kind: refused for kinds the profile does not allow.
  async enableKeyRotation(keyId: string, rotateDays?: number, opts?: CallOptions): Promise<void> {
    await this.#gate.requireKey(keyId, 'EnableKeyRotation', opts)
    return this.#inner.enableKeyRotation(keyId, rotateDays, opts)
  }

  async rotateKey(keyId: string, opts?: CallOptions): Promise<void> {
    await this.#gate.requireKey(keyId, 'RotateKey', opts)
    return this.#inner.rotateKey(keyId, opts)
  }

  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    await this.#gate.requireKey(req?.keyId, 'Encrypt', opts)
    return this.#inner.encrypt(req, opts)
  }

  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const cipher = blobCipherOf(req?.ciphertextBlob)
    const early =
      cipher && !isCompliant(this.profile, 'blobCipher', cipher)
        ? this.#legacy('Decrypt', blobKeyIdOf(req.ciphertextBlob) ?? '', 'blobCipher', cipher)
        : undefined
    const r = await this.#inner.decrypt(req, opts)
    const event = cipher
      ? early && { ...early, keyId: r.keyId }
      : await this.#afterDecrypt('Decrypt', r.keyId, r.plaintext)
    return this.#recorded(event, r, r.plaintext)
  }

  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    const cipher = blobCipherOf(req?.ciphertextBlob)
    const early =
      cipher && !isCompliant(this.profile, 'blobCipher', cipher)
        ? this.#legacy('ReEncrypt', blobKeyIdOf(req.ciphertextBlob) ?? '', 'blobCipher', cipher)
        : undefined
    // The destination must be allowed; without one it is the source key, which a legacy blob's is not.
    if (req?.destinationKeyId !== undefined)
      await this.#gate.requireKey(req.destinationKeyId, 'ReEncrypt destination', opts)
    else if (early)
      throw complianceRefusal(
        this.profile,
        'blobCipher',
        early.algorithm,
        'ReEncrypt back under the same key; name a DestinationKeyId',
      )
    const r = await this.#inner.reEncrypt(req, opts)
    // Opaque blobs name their keys only now: the output is withheld when either key is refused.
    if (req.destinationKeyId === undefined) await this.#gate.requireKey(r.keyId, 'ReEncrypt destination', opts)
    let event = early && { ...early, keyId: r.sourceKeyId }
    if (!cipher && !(await this.#gate.keyAllowed(r.sourceKeyId, opts)))
      event = this.#legacy('ReEncrypt', r.sourceKeyId, 'keySpec', (await this.#gate.key(r.sourceKeyId)).keySpec)
    return this.#recorded(event, r)
  }

  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    const checked = this.#gate.dataKey(req)
    await this.#gate.requireKey(req?.keyId, 'GenerateDataKey', opts)
    return this.#inner.generateDataKey(checked, opts)
  }

  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    await this.#gate.requireKey(keyId, 'GetPublicKey', opts)
    return this.#inner.getPublicKey(keyId, opts)
  }

  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const legacy = this.#asymmetricLegacy('AsymmetricRsaDecrypt', req?.keyId, req?.algorithm)
    const r = await this.#inner.asymmetricRsaDecrypt(req, opts)
    return this.#recorded(legacy, r, r.plaintext)
  }

  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const legacy = this.#asymmetricLegacy('AsymmetricSm2Decrypt', req?.keyId, 'SM2')
    const r = await this.#inner.asymmetricSm2Decrypt(req, opts)
    return this.#recorded(legacy, r, r.plaintext)
  }

  #asymmetricLegacy(action: string, keyId: unknown, algorithm: unknown): LegacyDecryptEvent | undefined {
    // An unknown algorithm is the provider's InvalidParameterValue, under every profile.
    if (
      typeof algorithm !== 'string' ||
      !(COMPLIANCE_UNIVERSE.encryptionAlgorithm as readonly string[]).includes(algorithm)
    )
      return undefined
    if ((this.profile.allowed.encryptionAlgorithm as readonly string[]).includes(algorithm)) return undefined
    return this.#legacy(action, typeof keyId === 'string' ? keyId : '', 'encryptionAlgorithm', algorithm)
  }

  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    requireCompliant(this.profile, 'signAlgorithm', req?.algorithm, 'SignByAsymmetricKey')
    await this.#gate.requireKey(req?.keyId, 'SignByAsymmetricKey', opts)
    return this.#inner.signByAsymmetricKey(req, opts)
  }

  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    requireCompliant(this.profile, 'signAlgorithm', req?.algorithm, 'VerifyByAsymmetricKey')
    await this.#gate.requireKey(req?.keyId, 'VerifyByAsymmetricKey', opts)
    return this.#inner.verifyByAsymmetricKey(req, opts)
  }

  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    requireCompliant(this.profile, 'wrappingAlgorithm', req?.wrappingAlgorithm, 'GetParametersForImport')
    await this.#gate.requireKey(req?.keyId, 'GetParametersForImport', opts)
    return this.#inner.getParametersForImport(req, opts)
  }

  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    const allowed = this.profile.allowed.wrappingAlgorithm
    if (allowed.length === 0) throw complianceRefusal(this.profile, 'wrappingAlgorithm', 'RSAES_*', 'ImportKeyMaterial')
    await this.#gate.requireKey(req?.keyId, 'ImportKeyMaterial', opts)
    // A token issued before the profile was on may name a refused algorithm: providers that know it check this list.
    const narrowed = req?.allowedWrappingAlgorithms
      ? req.allowedWrappingAlgorithms.filter((a) => allowed.includes(a))
      : allowed
    return this.#inner.importKeyMaterial({ ...req, allowedWrappingAlgorithms: narrowed }, opts)
  }
}
