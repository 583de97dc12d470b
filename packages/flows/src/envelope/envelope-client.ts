import { Duplex } from 'node:stream'
import {
  KeywardError, canonicalEncryptionContext, checkBytes, checkEncryptionContext, checkInt, decryptionFailed, fromBase64, needs, toBase64, zeroize,
  type CallOptions, type EncryptionContext,
} from '@keyward/core'
import { ChunkReader, type ByteSource } from './chunk-reader.js'
import { DataKeyCache, type CacheMaterial, type DataKeyCacheOptions } from './data-key-cache.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import { openHeader, openStream, type MessageInfo, type OpenPlan } from './decrypt-message.js'
import { KMS_ENCRYPT_KEY, checkPaths, locate, openField, sealField } from './json-fields.js'
import { newMessageId, sealAll, sealStream, writeHeader, type HeaderPlan, type MessageWriter, type ProgressCallback } from './encrypt-message.js'
import { MAX_FRAME_LENGTH, type ParsedHeader } from './header-format.js'
import type { HeaderSigner } from './header-signer.js'
import { dataKeyPrk, deriveKeys, disposeDerived, type DerivedKeys } from './key-derivation.js'
import { Keyring } from './keyring.js'
import type { MasterKey } from './master-key.js'
import { DEFAULT_SUITE, suiteByName, type Suite, type SuiteName } from './suites.js'

/** Default plaintext bytes per frame. Larger frames cost fewer cipher set-ups; a reader buffers one frame. */
export const DEFAULT_FRAME_LENGTH = 256 * 1024

/** Options of {@link EnvelopeClient}. */
export interface EnvelopeClientOptions {
  /** The master keys that protect data keys: a Keyring, or master keys (the first generates). */
  keyring: Keyring | MasterKey | readonly MasterKey[]
  /** Default AES_256_GCM_HKDF_SHA256_COMMIT; SM4_GCM_HKDF_SM3_COMMIT for 国密 deployments. */
  suite?: SuiteName
  /** Plaintext bytes per frame, 1 .. 16 MiB; default 256 KiB. */
  frameLength?: number
  /** Reuse data keys within limits (off by default: one data key per message). `true` = default limits. */
  cache?: boolean | DataKeyCacheOptions
  /** Sign every header (sender authenticity). */
  signer?: HeaderSigner
}

/** Options of one encryption. */
export interface EncryptOptions extends CallOptions {
  encryptionContext?: EncryptionContext
  /** With the cache on: data keys are shared only within one partition (e.g. a user id). */
  partition?: string
  /** Streams: the plaintext size, when known; without it a stream never uses the cache. */
  plaintextLength?: number
  onProgress?: ProgressCallback
}

/** Options of one decryption. */
export interface DecryptOptions extends CallOptions {
  /** When given, the message's encryption context must be exactly this. */
  encryptionContext?: EncryptionContext
  /** When given, only messages whose header is signed by one of these public keys decrypt. */
  trustedSigners?: readonly Uint8Array[]
  /** Called once the header authenticated, before any plaintext. */
  onHeader?: (info: MessageInfo) => void
  onProgress?: ProgressCallback
}

/** The result of a one-shot decryption. */
export interface DecryptResult {
  readonly plaintext: Buffer
  readonly info: MessageInfo
}

/**
 * Envelope encryption in Keyward's message format (docs/message-format.md): one data key per message (or a
 * cached one within limits) under one or more master keys, a committed per-message key, framed AEAD.
 *
 * @example
 * ```ts
 * const client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider, keyId }) })
 * const message = await client.encrypt(Buffer.from('hello'), { encryptionContext: { user: 'u1' } })
 * const { plaintext } = await client.decrypt(message, { encryptionContext: { user: 'u1' } })
 * ```
 */
export class EnvelopeClient {
  readonly keyring: Keyring
  readonly suite: Suite
  readonly frameLength: number
  /** The data-key cache, when on. */
  readonly cache: DataKeyCache | undefined
  readonly #signer: HeaderSigner | undefined

  constructor(opts: EnvelopeClientOptions) {
    /* Precondition: the client needs master keys. */
    needs(opts?.keyring, 'MissingParameter', 'EnvelopeClient needs a keyring or master keys.')
    const k = opts.keyring
    this.keyring = k instanceof Keyring ? k : new Keyring(Array.isArray(k) ? (k as readonly MasterKey[]) : [k as MasterKey])
    this.suite = suiteByName(opts.suite ?? DEFAULT_SUITE)
    this.frameLength = opts.frameLength ?? DEFAULT_FRAME_LENGTH
    checkInt('frameLength', this.frameLength, 1, MAX_FRAME_LENGTH)
    this.cache = opts.cache ? new DataKeyCache(opts.cache === true ? {} : opts.cache) : undefined
    this.#signer = opts.signer
  }

  /** Encrypts bytes held in memory into one message. */
  async encrypt(plaintext: Uint8Array, opts: EncryptOptions = {}): Promise<Buffer> {
    /* Precondition: plaintext is bytes. */
    checkBytes('plaintext', plaintext, 0, Number.MAX_SAFE_INTEGER)
    const w = await this.#startMessage(opts, plaintext.length)
    try {
      const out = Buffer.concat(sealAll(w, plaintext))
      opts.onProgress?.(plaintext.length)
      return out
    } finally {
      w.keys.cipherKey.fill(0)
    }
  }

  /** Decrypts one message held in memory; nothing is returned unless every check passed. */
  async decrypt(message: Uint8Array, opts: DecryptOptions = {}): Promise<DecryptResult> {
    /* Precondition: message is bytes. */
    checkBytes('message', message, 0, Number.MAX_SAFE_INTEGER)
    let info: MessageInfo | undefined
    const parts: Buffer[] = []
    const onHeader = (i: MessageInfo): void => {
      info = i
      opts.onHeader?.(i)
    }
    try {
      for await (const p of this.decryptStream([message], { ...opts, onHeader })) parts.push(p)
    } catch (e) {
      zeroize(...parts)
      throw e
    }
    return { plaintext: Buffer.concat(parts), info: info as MessageInfo }
  }

  /** Encrypts a chunked source (Node Readable, async or sync iterable) into message chunks, frame by frame. */
  async *encryptStream(source: ByteSource, opts: EncryptOptions = {}): AsyncGenerator<Buffer> {
    /* Precondition: the source is iterable. */
    needs(source && (Symbol.asyncIterator in source || Symbol.iterator in source), 'InvalidParameter', 'source must be an iterable of bytes.')
    if (opts.plaintextLength !== undefined) checkInt('plaintextLength', opts.plaintextLength, 0, Number.MAX_SAFE_INTEGER)
    const w = await this.#startMessage(opts, opts.plaintextLength)
    try {
      yield* sealStream(w, source, opts.onProgress)
    } finally {
      w.keys.cipherKey.fill(0)
    }
  }

  /** Decrypts message chunks into plaintext chunks; each frame's plaintext is released only after its tag verified. */
  async *decryptStream(source: ByteSource, opts: DecryptOptions = {}): AsyncGenerator<Buffer> {
    /* Precondition: the source is iterable, and the expected context is valid. */
    needs(source && (Symbol.asyncIterator in source || Symbol.iterator in source), 'InvalidParameter', 'source must be an iterable of bytes.')
    checkEncryptionContext(opts.encryptionContext)
    yield* openStream(new ChunkReader(source), this.#openPlan(opts))
  }

  /** A Node Duplex: write plaintext, read the message. */
  createEncryptStream(opts: EncryptOptions = {}): Duplex {
    return Duplex.from((source: AsyncIterable<Uint8Array>) => this.encryptStream(source, opts))
  }

  /** A Node Duplex: write a message, read plaintext. */
  createDecryptStream(opts: DecryptOptions = {}): Duplex {
    return Duplex.from((source: AsyncIterable<Uint8Array>) => this.decryptStream(source, opts))
  }

  /**
   * Encrypts the fields at `paths` (dotted, e.g. `card.number`, `items.0.iban`) of a JSON object, returning a
   * copy with each of them replaced by its ciphertext and one `kms_encrypt_key` added (seed 003's shape). All
   * fields share one data key; each is bound to its path.
   *
   * @example
   * ```ts
   * const row = await client.encryptJsonFields({ name: '张三', card: { no: '6222…' } }, ['name', 'card.no'])
   * const { object } = await client.decryptJsonFields(row, ['name', 'card.no'])
   * ```
   */
  async encryptJsonFields(obj: Readonly<Record<string, unknown>>, paths: readonly string[], opts: EncryptOptions = {}): Promise<Record<string, unknown>> {
    /* Precondition: a JSON object without kms_encrypt_key, and existing, distinct, non-nested paths. */
    needs(obj !== null && typeof obj === 'object' && !Array.isArray(obj), 'InvalidParameter', 'encryptJsonFields needs a JSON object.')
    needs(!Object.prototype.hasOwnProperty.call(obj, KMS_ENCRYPT_KEY), 'InvalidParameterValue', `The object already has ${KMS_ENCRYPT_KEY}.`)
    const sorted = checkPaths(paths)
    const out = structuredClone(obj) as Record<string, unknown>
    const targets = sorted.map((p) => locate(out, p))
    const bytes = targets.reduce((n, t) => n + (JSON.stringify((t.parent as Record<string, unknown>)[t.key])?.length ?? 0), 0)
    const w = await this.#startMessage(opts, bytes, sorted.length)
    try {
      for (const [i, t] of targets.entries()) {
        const parent = t.parent as Record<string, unknown>
        parent[t.key] = sealField(w.suite, w.keys, i + 1, sorted[i] as string, parent[t.key])
      }
    } finally {
      w.keys.cipherKey.fill(0)
    }
    out[KMS_ENCRYPT_KEY] = toBase64(w.header)
    return out
  }

  /** Decrypts what {@link encryptJsonFields} made, given the same paths; returns a copy without `kms_encrypt_key`. */
  async decryptJsonFields(obj: Readonly<Record<string, unknown>>, paths: readonly string[], opts: DecryptOptions = {}): Promise<{ object: Record<string, unknown>; info: MessageInfo }> {
    /* Precondition: a JSON object with kms_encrypt_key, and the paths it was encrypted with. */
    needs(obj !== null && typeof obj === 'object' && !Array.isArray(obj), 'InvalidParameter', 'decryptJsonFields needs a JSON object.')
    const key = obj[KMS_ENCRYPT_KEY]
    needs(typeof key === 'string' && key.length > 0, 'MissingParameter', `The object has no ${KMS_ENCRYPT_KEY}.`)
    checkEncryptionContext(opts.encryptionContext)
    const sorted = checkPaths(paths)
    const out = structuredClone(obj) as Record<string, unknown>
    delete out[KMS_ENCRYPT_KEY]
    const targets = sorted.map((p) => locate(out, p))
    let headerBytes: Buffer
    try {
      headerBytes = fromBase64(key, KMS_ENCRYPT_KEY)
    } catch (e) {
      throw new KeywardError('FailedOperation.InvalidMessage', `${KMS_ENCRYPT_KEY} is not base64.`, { cause: e })
    }
    const reader = new ChunkReader([headerBytes])
    const { header, keys, info } = await openHeader(reader, this.#openPlan(opts))
    try {
      if (!(await reader.atEnd())) throw new KeywardError('FailedOperation.InvalidMessage', `Unexpected bytes after the ${KMS_ENCRYPT_KEY} header.`)
      if (header.frameLength !== sorted.length) throw decryptionFailed(new Error('the paths differ from the encrypted fields'))
      for (const [i, t] of targets.entries()) {
        const parent = t.parent as Record<string, unknown>
        parent[t.key] = openField(header.suite, keys, i + 1, sorted[i] as string, parent[t.key])
      }
    } finally {
      disposeDerived(keys)
    }
    return { object: out, info }
  }

  #openPlan(opts: DecryptOptions): OpenPlan {
    needs(opts.trustedSigners === undefined || Array.isArray(opts.trustedSigners), 'InvalidParameterValue', 'trustedSigners must be an array of public keys.')
    return {
      expectedContext: opts.encryptionContext,
      trustedSigners: opts.trustedSigners,
      derive: (h) => this.#deriveForHeader(h, opts),
      onHeader: opts.onHeader,
      onProgress: opts.onProgress,
    }
  }

  async #startMessage(opts: EncryptOptions, plaintextLength: number | undefined, frameLength = this.frameLength): Promise<MessageWriter> {
    checkEncryptionContext(opts.encryptionContext)
    if (opts.partition !== undefined) needs(typeof opts.partition === 'string', 'InvalidParameterValue', 'partition must be a string.')
    const ctx = opts.encryptionContext ?? {}
    const contextBytes = canonicalEncryptionContext(ctx)
    const plan: HeaderPlan = { suite: this.suite, encryptionContext: ctx, contextBytes, frameLength, signer: this.#signer }
    const messageId = newMessageId()
    const len = this.suite.dataKeyLength
    // The cache holds the HKDF-Extract of a data key (its PRK); the data key itself is zeroed at once.
    const create = async (): Promise<CacheMaterial> => {
      const m = await this.keyring.generate(len, ctx, opts)
      return { plaintext: dataKeyPrk(this.suite, m.plaintext), encryptedDataKeys: m.encryptedDataKeys }
    }
    const derive = (prk: Uint8Array, edks: readonly EncryptedDataKey[]) => ({ keys: deriveKeys(this.suite, prk, messageId), edks })
    let r: { keys: DerivedKeys; edks: readonly EncryptedDataKey[] }
    if (this.cache && plaintextLength !== undefined) {
      const partition = `e|${this.suite.id}|${opts.partition ?? ''}|${contextBytes.toString('latin1')}`
      r = await this.cache.use(partition, plaintextLength, create, derive)
    } else {
      const m = await create()
      r = derive(m.plaintext, m.encryptedDataKeys)
      zeroize(m.plaintext)
    }
    return writeHeader(plan, messageId, r.keys, r.edks)
  }

  async #deriveForHeader(h: ParsedHeader, opts: CallOptions): Promise<DerivedKeys> {
    const len = h.suite.dataKeyLength
    if (!this.cache) {
      const prk = dataKeyPrk(h.suite, await this.keyring.decrypt(h.encryptedDataKeys, h.encryptionContext, len, opts))
      try {
        return deriveKeys(h.suite, prk, h.messageId)
      } finally {
        prk.fill(0)
      }
    }
    const edkId = h.encryptedDataKeys.map((e) => `${e.providerName}\u0000${e.keyId}\u0000${Buffer.from(e.blob).toString('base64')}`).join('\u0001')
    const partition = `d|${h.suite.id}|${canonicalEncryptionContext(h.encryptionContext).toString('utf8')}|${edkId}`
    const create = async (): Promise<CacheMaterial> => ({
      plaintext: dataKeyPrk(h.suite, await this.keyring.decrypt(h.encryptedDataKeys, h.encryptionContext, len, opts)),
      encryptedDataKeys: h.encryptedDataKeys,
    })
    return this.cache.use(partition, 0, create, (pt) => deriveKeys(h.suite, pt, h.messageId))
  }
}
