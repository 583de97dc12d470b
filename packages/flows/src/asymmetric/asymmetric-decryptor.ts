import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  LIMITS,
  checkBytes,
  checkKeyId,
  checkOneOf,
  needs,
  type AsymmetricEncryptionAlgorithm,
  type CallOptions,
  type DecryptResult,
  type AsymmetricCrypto,
} from '@keyward/core'
import { convertSm2Ciphertext, type Sm2CiphertextForm } from '@keyward/gm'

/** Options of {@link AsymmetricDecryptor.decrypt}. */
export interface AsymmetricDecryptOptions extends CallOptions {
  /**
   * SM2 only: the form the ciphertext arrives in when it is not Tencent's ASN.1 C1C3C2 (e.g. sm-crypto's raw
   * C1C3C2 without 04: `{ order: 'C1C3C2', encoding: 'raw', prefix: false }`). It is converted before the call.
   */
  sm2Form?: Sm2CiphertextForm
}

// RSA ciphertexts are one modulus long; 1024 bytes covers RSA-8192.
const MAX_RSA_CIPHERTEXT_BYTES = 1024
// Raw and ASN.1 forms of a ≤ 256-byte DER ciphertext stay well under this before conversion.
const MAX_SM2_INPUT_BYTES = 512

/**
 * Receiver side of asymmetric encryption: the provider holding the private key decrypts (AsymmetricRsaDecrypt /
 * AsymmetricSm2Decrypt). SM2 ciphertexts in other libraries' forms are normalised with @keyward/gm first.
 *
 * @example
 * ```ts
 * const receiver = new AsymmetricDecryptor(provider)
 * const plaintext = await receiver.decrypt(keyId, 'SM2', ciphertextFromSender)
 * ```
 */
export class AsymmetricDecryptor {
  readonly #provider: Pick<AsymmetricCrypto, 'asymmetricRsaDecrypt' | 'asymmetricSm2Decrypt'>

  constructor(provider: Pick<AsymmetricCrypto, 'asymmetricRsaDecrypt' | 'asymmetricSm2Decrypt'>) {
    needs(
      provider !== null && typeof provider === 'object',
      'MissingParameter',
      'AsymmetricDecryptor needs a KeyProvider.',
    )
    this.#provider = provider
  }

  /** Decrypts `ciphertext` with the private key of `keyId`; returns the plaintext (zero it when done). */
  async decrypt(
    keyId: string,
    algorithm: AsymmetricEncryptionAlgorithm,
    ciphertext: Uint8Array,
    opts: AsymmetricDecryptOptions = {},
  ): Promise<Uint8Array> {
    /* Precondition: a valid KeyId, a known algorithm and a ciphertext of plausible size. */
    checkKeyId(keyId)
    checkOneOf('Algorithm', algorithm, ASYMMETRIC_ENCRYPTION_ALGORITHMS)
    checkBytes('Ciphertext', ciphertext, 1, algorithm === 'SM2' ? MAX_SM2_INPUT_BYTES : MAX_RSA_CIPHERTEXT_BYTES)
    return (await this.onDecrypt(keyId, algorithm, ciphertext, opts)).plaintext
  }

  protected async onDecrypt(
    keyId: string,
    algorithm: AsymmetricEncryptionAlgorithm,
    ciphertext: Uint8Array,
    opts: AsymmetricDecryptOptions,
  ): Promise<DecryptResult> {
    const call = opts.signal ? { signal: opts.signal } : {}
    if (algorithm !== 'SM2') return this.#provider.asymmetricRsaDecrypt({ keyId, algorithm, ciphertext }, call)
    const tencentForm = opts.sm2Form
      ? convertSm2Ciphertext(ciphertext, { order: 'C1C3C2', encoding: 'asn1' }, opts.sm2Form)
      : ciphertext
    checkBytes('Ciphertext', tencentForm, 1, LIMITS.maxSm2CiphertextBytes)
    return this.#provider.asymmetricSm2Decrypt({ keyId, ciphertext: tencentForm }, call)
  }
}
