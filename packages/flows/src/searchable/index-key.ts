import {
  COMPLIANCE_BINDING,
  INSPECT,
  KeywardError,
  REDACTED,
  checkEncryptionContext,
  checkKeyId,
  checkString,
  complianceBindingOf,
  decryptionFailed,
  needs,
  zeroize,
  type CallOptions,
  type ComplianceBinding,
  type EncryptionContext,
  type SymmetricCrypto,
} from '@keyward/core'

/** What an index key needs of a provider: GenerateDataKey to make one, Decrypt to open it, Encrypt to copy it. */
export type IndexKeyProvider = Pick<SymmetricCrypto, 'generateDataKey' | 'decrypt' | 'encrypt'>

/** Bytes of an index key (the data key the KMS generates). */
export const INDEX_KEY_BYTES = 32
/** The context bound to index-key blobs unless another is given: such a blob cannot pass for an envelope data key. */
export const INDEX_KEY_CONTEXT: EncryptionContext = Object.freeze({ purpose: 'keyward-blind-index' })
/** Rotation labels become column suffixes (`phone_bidx_v2`), so they are short lower-case identifiers. */
const VERSION = /^[a-z0-9]{1,16}$/

/** A stored index key: the blob to keep (in config or a table) and the CMK it is under. */
export interface IndexKeyBlob {
  readonly keyId: string
  readonly ciphertextBlob: string
}

/** Options of {@link IndexKey}. */
export interface IndexKeyOptions {
  provider: IndexKeyProvider
  /** The blob from {@link IndexKey.generate} (or {@link IndexKey.wrapFor}). */
  ciphertextBlob: string
  /** The CMK the blob must be under: a blob the provider opens with any other key is refused. Recommended. */
  keyId?: string
  /** Rotation label: unset writes `<field>_bidx`; `v2` writes `<field>_bidx_v2` (1-16 of [a-z0-9]). */
  version?: string
  /** Bound by the KMS to the blob; default {@link INDEX_KEY_CONTEXT}. Must equal the one given at generation. */
  encryptionContext?: EncryptionContext
}

interface Secret {
  root: Uint8Array | undefined
  pending: Promise<Uint8Array> | undefined
  /** Keys derived from this one, by what they were derived for; every index over the same column shares one. */
  derived: Map<string, Buffer>
  closed: boolean
}
// Module-private: the key bytes are reachable from this file only, never through a property or method of IndexKey.
const secrets = new WeakMap<IndexKey, Secret>()

/**
 * The key blind indexes are computed with: a 32-byte data key generated under a CMK of any provider (Tencent KMS,
 * an HSM, software, `keyward serve`), stored by the application only as its ciphertext blob. The blob is opened
 * once per process on first use (concurrent first uses share one Decrypt), kept in memory, and zeroed — with every
 * key derived from it — by {@link IndexKey.close}. Each (table, index) gets its own key, derived with HKDF, so
 * one blob serves every field.
 *
 * @example
 * ```ts
 * // once, at setup: store blob.ciphertextBlob (and blob.keyId) with the application's configuration
 * const blob = await IndexKey.generate(provider, cmkId)
 * // in each process
 * const key = new IndexKey({ provider, ...blob })
 * const phone = await BlindIndex.create({
 *   key, table: 'customers', field: 'phone', normalize: normalizeMobileCN, bits: 14,
 * })
 * key.close() // at shutdown
 * ```
 */
export class IndexKey {
  readonly ciphertextBlob: string
  readonly keyId: string | undefined
  readonly version: string | undefined
  readonly #provider: IndexKeyProvider
  readonly #context: EncryptionContext

  /**
   * Generates a new index key under the CMK `keyId` and returns its blob to store; the plaintext is zeroed at once.
   *
   * @example
   * ```ts
   * const { keyId, ciphertextBlob } = await IndexKey.generate(provider, cmkId)
   * ```
   */
  static async generate(
    provider: IndexKeyProvider,
    keyId: string,
    opts: CallOptions & { encryptionContext?: EncryptionContext } = {},
  ): Promise<IndexKeyBlob> {
    /* Precondition: a provider that generates data keys, a valid KeyId and context. */
    needs(
      provider && typeof provider.generateDataKey === 'function',
      'MissingParameter',
      'IndexKey.generate needs a provider.',
    )
    checkKeyId(keyId)
    checkEncryptionContext(opts.encryptionContext)
    const dk = await provider.generateDataKey(
      { keyId, numberOfBytes: INDEX_KEY_BYTES, encryptionContext: opts.encryptionContext ?? INDEX_KEY_CONTEXT },
      opts.signal ? { signal: opts.signal } : undefined,
    )
    dk.dispose()
    return { keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob }
  }

  /** The binding of the provider, when it is under a compliance profile (indexes on this key take that profile). */
  get [COMPLIANCE_BINDING](): ComplianceBinding | undefined {
    return complianceBindingOf(this.#provider)
  }

  constructor(opts: IndexKeyOptions) {
    /* Precondition: a provider that decrypts, a blob, and well-formed optional KeyId, version and context. */
    needs(
      opts?.provider && typeof opts.provider.decrypt === 'function',
      'MissingParameter',
      'IndexKey needs a provider.',
    )
    checkString('ciphertextBlob', opts.ciphertextBlob, 65_536)
    if (opts.keyId !== undefined) checkKeyId(opts.keyId)
    if (opts.version !== undefined)
      needs(
        typeof opts.version === 'string' && VERSION.test(opts.version),
        'InvalidParameterValue',
        'version must be 1-16 characters of [a-z0-9].',
      )
    checkEncryptionContext(opts.encryptionContext)
    this.#provider = opts.provider
    this.ciphertextBlob = opts.ciphertextBlob
    this.keyId = opts.keyId
    this.version = opts.version
    this.#context = opts.encryptionContext ?? INDEX_KEY_CONTEXT
    secrets.set(this, { root: undefined, pending: undefined, derived: new Map(), closed: false })
  }

  /** True once {@link IndexKey.close} ran. */
  get closed(): boolean {
    return (secrets.get(this) as Secret).closed
  }

  /**
   * Opens the blob through the provider, once: later calls return at once, concurrent ones share the call, and a
   * failed call (network, throttling) is not remembered, so the next one tries again.
   */
  async open(opts: CallOptions = {}): Promise<void> {
    const s = live(this)
    if (s.root) return
    s.pending ??= this.#unwrap(opts).finally(() => {
      s.pending = undefined
    })
    await s.pending
  }

  async #unwrap(opts: CallOptions): Promise<Uint8Array> {
    const r = await this.#provider.decrypt(
      { ciphertextBlob: this.ciphertextBlob, encryptionContext: this.#context },
      opts.signal ? { signal: opts.signal } : undefined,
    )
    const s = secrets.get(this) as Secret
    if (s.closed || (this.keyId !== undefined && r.keyId !== this.keyId) || r.plaintext.length !== INDEX_KEY_BYTES) {
      zeroize(r.plaintext)
      if (s.closed) throw closedError()
      throw r.plaintext.length !== INDEX_KEY_BYTES
        ? new KeywardError(
            'InvalidParameterValue',
            `The blob holds a ${r.plaintext.length}-byte key, not a ${INDEX_KEY_BYTES}-byte index key.`,
          )
        : decryptionFailed(new Error(`the index key blob is under another CMK than ${this.keyId}`))
    }
    s.root = r.plaintext
    return r.plaintext
  }

  /**
   * Encrypts this index key under another CMK (another provider: the on-prem HSM beside Tencent KMS, or the target
   * of a migration) and returns that blob. Either blob opens to the same key, so indexes stay valid across the move.
   *
   * @example
   * ```ts
   * const drCopy = await key.wrapFor(hsmProvider, hsmKeyId) // store it beside the cloud blob
   * ```
   */
  async wrapFor(provider: IndexKeyProvider, keyId: string, opts: CallOptions = {}): Promise<IndexKeyBlob> {
    /* Precondition: a provider that encrypts and a valid KeyId. */
    needs(provider && typeof provider.encrypt === 'function', 'MissingParameter', 'wrapFor needs a provider.')
    checkKeyId(keyId)
    await this.open(opts)
    const r = await provider.encrypt(
      { keyId, plaintext: live(this).root as Uint8Array, encryptionContext: this.#context },
      opts.signal ? { signal: opts.signal } : undefined,
    )
    return { keyId: r.keyId, ciphertextBlob: r.ciphertextBlob }
  }

  /** Zeroes the key and every key derived from it; the indexes built on it stop working. Idempotent. */
  close(): void {
    const s = secrets.get(this) as Secret
    s.closed = true
    zeroize(s.root, ...s.derived.values())
    s.root = undefined
    s.derived.clear()
  }

  toJSON(): { keyId: string | undefined; version: string | undefined; ciphertextBlob: string; key: string } {
    return { keyId: this.keyId, version: this.version, ciphertextBlob: this.ciphertextBlob, key: REDACTED }
  }

  [INSPECT](): string {
    return `IndexKey { keyId: ${this.keyId ?? '-'}, version: ${this.version ?? '-'}, key: ${REDACTED} }`
  }
}

function closedError(): KeywardError {
  return new KeywardError('FailedOperation.ProviderUnavailable', 'The index key was closed.')
}

function live(key: IndexKey): Secret {
  const s = secrets.get(key)
  needs(s, 'InvalidParameter', 'Not an IndexKey.')
  if (s.closed) throw closedError()
  return s
}

/**
 * A key derived from `key` by `derive` (given the opened index key), remembered under `id` and zeroed by close().
 * Internal to the searchable module (not exported from it): see index-key-derivation.ts.
 */
export async function derivedKey(
  key: IndexKey,
  id: string,
  derive: (root: Uint8Array) => Buffer,
  opts: CallOptions = {},
): Promise<Buffer> {
  await key.open(opts)
  const s = live(key)
  let out = s.derived.get(id)
  if (!out) {
    out = derive(s.root as Uint8Array)
    s.derived.set(id, out)
  }
  return out
}
