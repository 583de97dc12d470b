import {
  COMPLIANCE_BINDING,
  checkKeyId,
  complianceBindingOf,
  decryptionFailed,
  needs,
  type CallOptions,
  type ComplianceBinding,
  type EncryptionContext,
  type SymmetricCrypto,
} from '@keyward/core'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import type { GeneratedDataKey, MasterKey } from './master-key.js'

/** What a {@link ProviderMasterKey} calls: three methods of the symmetric role (and the provider's name). */
export type MasterKeyProvider = Pick<SymmetricCrypto, 'name' | 'generateDataKey' | 'encrypt' | 'decrypt'>

/** Options of {@link ProviderMasterKey}. */
export interface ProviderMasterKeyOptions {
  /** The provider that holds the CMK. */
  provider: MasterKeyProvider
  /** The CMK that encrypts data keys; with `discovery`, it is only the key new data keys are made under. */
  keyId: string
  /** Name written in encrypted data keys; default `provider.name`. Give two instances of one backend distinct names. */
  name?: string
  /**
   * Decrypt any data key of this provider whose KeyId this returns true for (Tencent blobs name their key,
   * so any KeyId can be decrypted). Default: only `keyId`.
   */
  discoveryFilter?: (keyId: string) => boolean
}

const undefinedIfEmpty = (ctx: EncryptionContext): EncryptionContext | undefined =>
  Object.keys(ctx).length ? ctx : undefined

/**
 * A CMK in any KeyProvider as a master key: GenerateDataKey makes the data key, Encrypt adds copies,
 * Decrypt opens them. The encryption context is passed to the provider too, so the KMS binds it as well.
 *
 * @example
 * ```ts
 * const kms = new ProviderMasterKey({ provider: tencentKms, keyId: cloudKeyId })
 * const hsm = new ProviderMasterKey({ provider: pkcs11, keyId: hsmKeyId })
 * const keyring = new Keyring([kms, hsm]) // each message decrypts with either
 * ```
 */
export class ProviderMasterKey implements MasterKey {
  readonly providerName: string
  readonly keyId: string
  readonly #provider: MasterKeyProvider
  readonly #filter: (keyId: string) => boolean

  /** The binding of the provider, when it is under a compliance profile (the envelope takes that profile). */
  get [COMPLIANCE_BINDING](): ComplianceBinding | undefined {
    return complianceBindingOf(this.#provider)
  }

  constructor(opts: ProviderMasterKeyOptions) {
    /* Precondition: a provider master key needs a provider and a KeyId. */
    needs(
      opts?.provider && typeof opts.provider.generateDataKey === 'function',
      'MissingParameter',
      'ProviderMasterKey needs a provider.',
    )
    checkKeyId(opts.keyId)
    const name = opts.name ?? opts.provider.name
    needs(
      typeof name === 'string' && name.length > 0 && Buffer.byteLength(name) <= 255,
      'InvalidParameterValue',
      'The master key name must be 1-255 bytes.',
    )
    this.#provider = opts.provider
    this.keyId = opts.keyId
    this.providerName = name
    this.#filter = opts.discoveryFilter ?? ((k) => k === opts.keyId)
  }

  async generateDataKey(length: number, ctx: EncryptionContext, opts?: CallOptions): Promise<GeneratedDataKey> {
    const dk = await this.#provider.generateDataKey(
      { keyId: this.keyId, numberOfBytes: length, encryptionContext: undefinedIfEmpty(ctx) },
      opts,
    )
    try {
      return { plaintext: Buffer.from(dk.plaintext), encryptedDataKey: this.#edk(dk.keyId, dk.ciphertextBlob) }
    } finally {
      dk.dispose()
    }
  }

  async encryptDataKey(plaintext: Uint8Array, ctx: EncryptionContext, opts?: CallOptions): Promise<EncryptedDataKey> {
    const r = await this.#provider.encrypt(
      { keyId: this.keyId, plaintext, encryptionContext: undefinedIfEmpty(ctx) },
      opts,
    )
    return this.#edk(r.keyId, r.ciphertextBlob)
  }

  canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerName === this.providerName && this.#filter(edk.keyId)
  }

  async decryptDataKey(edk: EncryptedDataKey, ctx: EncryptionContext, opts?: CallOptions): Promise<Uint8Array> {
    const r = await this.#provider.decrypt(
      { ciphertextBlob: Buffer.from(edk.blob).toString('utf8'), encryptionContext: undefinedIfEmpty(ctx) },
      opts,
    )
    // The header's KeyId is unauthenticated until the data key is known: insist the provider agrees with it.
    if (r.keyId !== edk.keyId) {
      r.plaintext.fill(0)
      throw decryptionFailed(new Error('the provider decrypted with a key other than the one the message names'))
    }
    return r.plaintext
  }

  #edk(keyId: string, ciphertextBlob: string): EncryptedDataKey {
    return { providerName: this.providerName, keyId, blob: Buffer.from(ciphertextBlob, 'utf8') }
  }
}
