import {
  KeywardError,
  checkEncryptionContext,
  checkKeyId,
  checkPlaintext,
  checkString,
  decryptionFailed,
  needs,
  utf8,
  zeroize,
  type CallOptions,
  type EncryptionContext,
  type SymmetricCrypto,
} from '@keyward/core'

/** Options of {@link SensitiveData} calls. */
export interface SensitiveDataOptions extends CallOptions {
  /** Bound to the ciphertext as AAD; decryption must pass the same context. */
  encryptionContext?: EncryptionContext
  /**
   * Decrypt only: the KeyId the blob must have been made under; a blob of any other CMK — even one the
   * application may use — fails with the fixed decryption error and its plaintext is zeroed. Without it, any
   * CMK the provider lets the caller use decrypts (as Tencent's Decrypt, which takes no KeyId): pass it
   * whenever the caller knows which key it expects, so a blob swapped in from another key's data is refused.
   */
  expectedKeyId?: string
}

/** What a decryption returns: the plaintext and the key that made the blob. */
export interface SensitiveDataPlaintext {
  keyId: string
  plaintext: Uint8Array
}

// Longest printable blob we accept: a 4096-byte plaintext plus any provider's header, base64 (Tencent: ~6 KiB).
const MAX_BLOB_CHARS = 16_384
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Small secrets (passwords, card numbers, tokens; ≤ 4096 bytes) encrypted straight with a CMK, as the Tencent
 * KMS Encrypt/Decrypt actions do: no data key, the printable `CiphertextBlob` is what you store.
 *
 * @example
 * ```ts
 * const secrets = new SensitiveData(provider)
 * const blob = await secrets.encryptString(keyId, 'db-password', { encryptionContext: { app: 'orders' } })
 * const text = await secrets.decryptString(blob, { encryptionContext: { app: 'orders' } })
 * ```
 */
export class SensitiveData {
  readonly #provider: SymmetricCrypto

  constructor(provider: SymmetricCrypto) {
    needs(provider !== null && typeof provider === 'object', 'MissingParameter', 'SensitiveData needs a KeyProvider.')
    this.#provider = provider
  }

  /** Encrypts 1-4096 bytes with the CMK `keyId`; returns the printable CiphertextBlob. */
  async encrypt(keyId: string, plaintext: Uint8Array, opts: SensitiveDataOptions = {}): Promise<string> {
    /* Precondition: a valid KeyId, 1-4096 bytes of plaintext and a well-formed encryption context. */
    checkKeyId(keyId)
    checkPlaintext(plaintext)
    checkEncryptionContext(opts.encryptionContext)
    return this.onEncrypt(keyId, plaintext, opts)
  }

  /** Decrypts a CiphertextBlob made by {@link SensitiveData.encrypt} (or the provider's Encrypt). */
  async decrypt(ciphertextBlob: string, opts: SensitiveDataOptions = {}): Promise<SensitiveDataPlaintext> {
    /* Precondition: the blob is a non-empty string of bounded length and the context is well formed. */
    checkString('CiphertextBlob', ciphertextBlob, MAX_BLOB_CHARS)
    checkEncryptionContext(opts.encryptionContext)
    if (opts.expectedKeyId !== undefined) checkKeyId(opts.expectedKeyId, 'expectedKeyId')
    const out = await this.onDecrypt(ciphertextBlob, opts)
    // The provider reports the key it used; a blob is self-describing, so this is where a swap shows.
    if (opts.expectedKeyId !== undefined && out.keyId !== opts.expectedKeyId) {
      zeroize(out.plaintext)
      throw decryptionFailed(new Error('the blob was made under another CMK than expectedKeyId'))
    }
    return out
  }

  /** Encrypts a string as UTF-8 (≤ 4096 bytes once encoded). The encoded copy is zeroed afterwards. */
  async encryptString(keyId: string, text: string, opts: SensitiveDataOptions = {}): Promise<string> {
    /* Precondition: text is a string. */
    needs(typeof text === 'string', 'InvalidParameter', 'Plaintext must be a string.')
    const bytes = utf8(text)
    try {
      return await this.encrypt(keyId, bytes, opts)
    } finally {
      zeroize(bytes)
    }
  }

  /** Decrypts a blob whose plaintext is UTF-8 text; the plaintext bytes are zeroed once decoded. */
  async decryptString(ciphertextBlob: string, opts: SensitiveDataOptions = {}): Promise<string> {
    const { plaintext } = await this.decrypt(ciphertextBlob, opts)
    try {
      return STRICT_UTF8.decode(plaintext)
    } catch (cause) {
      throw new KeywardError(
        'InvalidParameterValue',
        'The decrypted plaintext is not UTF-8 text; use decrypt() for binary secrets.',
        { cause },
      )
    } finally {
      zeroize(plaintext)
    }
  }

  protected async onEncrypt(keyId: string, plaintext: Uint8Array, opts: SensitiveDataOptions): Promise<string> {
    const { ciphertextBlob } = await this.#provider.encrypt(
      { keyId, plaintext, ...(opts.encryptionContext ? { encryptionContext: opts.encryptionContext } : {}) },
      callOptions(opts),
    )
    return ciphertextBlob
  }

  protected async onDecrypt(ciphertextBlob: string, opts: SensitiveDataOptions): Promise<SensitiveDataPlaintext> {
    const { keyId, plaintext } = await this.#provider.decrypt(
      { ciphertextBlob, ...(opts.encryptionContext ? { encryptionContext: opts.encryptionContext } : {}) },
      callOptions(opts),
    )
    return { keyId, plaintext }
  }
}

function callOptions(opts: CallOptions): CallOptions {
  return opts.signal ? { signal: opts.signal } : {}
}
