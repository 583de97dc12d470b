import {
  COMPLIANCE_BINDING,
  checkKeyId,
  checkOneOf,
  complianceBindingOf,
  decryptionFailed,
  isKeywardError,
  needs,
  type AsymmetricEncryptionAlgorithm,
  type CallOptions,
  type ComplianceBinding,
  type AsymmetricCrypto,
} from '@keyward/core'
import { AsymmetricDecryptor } from '../asymmetric/asymmetric-decryptor.js'
import { encryptWithPublicKey } from '../asymmetric/asymmetric-encrypt.js'
import { parsePublicKey, type ParsedPublicKey } from '../asymmetric/public-key.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import type { GeneratedDataKey, MasterKey } from './master-key.js'

/** Options of {@link AsymmetricMasterKey}. */
export interface AsymmetricMasterKeyOptions {
  /** The provider holding the private key (an HSM, a TPM through PKCS#11, Tencent KMS...). */
  provider: AsymmetricCrypto
  /** An ASYMMETRIC_DECRYPT_RSA_2048 or ASYMMETRIC_DECRYPT_SM2 key. */
  keyId: string
  /** RSAES_OAEP_SHA_256 (default), RSAES_OAEP_SHA_1 or SM2, as the key and the provider allow. */
  algorithm?: AsymmetricEncryptionAlgorithm
  /** Name written in encrypted data keys; default `provider.name`. */
  name?: string
}

/**
 * An asymmetric decryption key as a master key: data keys come from the provider's GenerateRandom, are encrypted
 * here with the key's public key, and decrypted by the provider (AsymmetricRsaDecrypt / AsymmetricSm2Decrypt).
 * This is envelope encryption over a backend that holds asymmetric keys but no symmetric ones — tpm2-pkcs11, which
 * cannot generate AES keys — with the private key never leaving it. Unlike ProviderMasterKey, the encryption
 * context is bound by the message's header tag only (RSA-OAEP and SM2 decryption take no context).
 *
 * @example
 * ```ts
 * const tpm = new AsymmetricMasterKey({ provider: tpmProvider, keyId: rsaDecryptKeyId })
 * const client = new EnvelopeClient({ keyring: new Keyring([tpm]) })
 * ```
 */
export class AsymmetricMasterKey implements MasterKey {
  readonly providerName: string
  readonly keyId: string
  readonly #provider: AsymmetricCrypto
  readonly #algorithm: AsymmetricEncryptionAlgorithm
  readonly #decryptor: AsymmetricDecryptor
  #publicKey: Promise<ParsedPublicKey> | undefined

  /** RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 / SM2: what wraps data keys here (a compliance profile rules on it). */
  get algorithm(): AsymmetricEncryptionAlgorithm {
    return this.#algorithm
  }

  /** The binding of the provider, when it is under a compliance profile (the envelope takes that profile). */
  get [COMPLIANCE_BINDING](): ComplianceBinding | undefined {
    return complianceBindingOf(this.#provider)
  }

  constructor(opts: AsymmetricMasterKeyOptions) {
    /* Precondition: a provider, a KeyId, a known algorithm and a usable name. */
    needs(
      opts?.provider && typeof opts.provider.getPublicKey === 'function',
      'MissingParameter',
      'AsymmetricMasterKey needs a provider.',
    )
    checkKeyId(opts.keyId)
    const algorithm = opts.algorithm ?? 'RSAES_OAEP_SHA_256'
    checkOneOf('Algorithm', algorithm, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2'] as const)
    const name = opts.name ?? opts.provider.name
    needs(
      typeof name === 'string' && name.length > 0 && Buffer.byteLength(name) <= 255,
      'InvalidParameterValue',
      'The master key name must be 1-255 bytes.',
    )
    this.#provider = opts.provider
    this.#algorithm = algorithm
    this.#decryptor = new AsymmetricDecryptor(opts.provider)
    this.keyId = opts.keyId
    this.providerName = name
  }

  /** The key's public key, fetched once (a failed fetch is retried next time). */
  #key(opts?: CallOptions): Promise<ParsedPublicKey> {
    this.#publicKey ??= this.#provider.getPublicKey(this.keyId, opts).then(
      (r) => parsePublicKey(r),
      (e: unknown) => {
        this.#publicKey = undefined
        throw e
      },
    )
    return this.#publicKey
  }

  async generateDataKey(length: number, _ctx: unknown, opts?: CallOptions): Promise<GeneratedDataKey> {
    const plaintext = Buffer.from(await this.#provider.generateRandom(length, opts))
    try {
      return { plaintext, encryptedDataKey: await this.encryptDataKey(plaintext, {}, opts) }
    } catch (e) {
      plaintext.fill(0)
      throw e
    }
  }

  async encryptDataKey(plaintext: Uint8Array, _ctx: unknown, opts?: CallOptions): Promise<EncryptedDataKey> {
    const blob = encryptWithPublicKey(await this.#key(opts), this.#algorithm, plaintext)
    return { providerName: this.providerName, keyId: this.keyId, blob }
  }

  canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerName === this.providerName && edk.keyId === this.keyId
  }

  async decryptDataKey(edk: EncryptedDataKey, _ctx: unknown, opts?: CallOptions): Promise<Uint8Array> {
    try {
      return await this.#decryptor.decrypt(
        this.keyId,
        this.#algorithm,
        edk.blob,
        opts?.signal ? { signal: opts.signal } : {},
      )
    } catch (e) {
      // A blob of the wrong size for the key is a bad message, like any other undecryptable EDK.
      if (isKeywardError(e, 'InvalidParameterValue') || isKeywardError(e, 'InvalidParameter')) throw decryptionFailed(e)
      throw e
    }
  }
}
