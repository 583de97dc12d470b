/**
 * Streaming SM4-GCM with the surface of Node's CipherGCM / DecipherGCM (setAAD, update, final, getAuthTag,
 * setAuthTag), so code written for AES-GCM drives SM4-GCM unchanged.
 */
import { timingSafeEqual } from 'node:crypto'
import { decryptionFailed, KeywardError } from '@keyward/core'
import { checkSm4GcmParams, Sm4GcmCore } from './sm4-gcm-core.js'

/** The part of Node's CipherGCM that Keyward uses; both `createCipheriv('aes-256-gcm', ...)` and ours fit it. */
export interface GcmCipherLike {
  setAAD(data: Uint8Array): this
  update(data: Uint8Array): Buffer
  final(): Buffer
  getAuthTag(): Buffer
}

/** The part of Node's DecipherGCM that Keyward uses. */
export interface GcmDecipherLike {
  setAAD(data: Uint8Array): this
  setAuthTag(tag: Uint8Array): this
  update(data: Uint8Array): Buffer
  final(): Buffer
}

/** Options of the SM4-GCM streams. */
export interface Sm4GcmOptions {
  /** Tag bytes, 12-16; default 16. Decryption accepts only a tag of exactly this length. */
  authTagLength?: number
}

function checkData(field: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', `${field} must be bytes (Uint8Array/Buffer).`)
}

/** What the two SM4-GCM streams share: parameter checks, the GCM state, AAD, the done flag. */
abstract class Sm4GcmStream {
  protected readonly core: Sm4GcmCore
  protected readonly tagLength: number
  protected done = false

  /** Checks key (16 bytes), IV (1-65536 bytes) and tag length; throws KeywardError on bad input. */
  constructor(key: Uint8Array, iv: Uint8Array, options: Sm4GcmOptions = {}) {
    const tagLength = options.authTagLength ?? 16
    checkSm4GcmParams(key, iv, tagLength)
    this.core = new Sm4GcmCore(key, iv)
    this.tagLength = tagLength
  }

  /** Adds authenticated data; may be called several times, only before the first update(). */
  setAAD(data: Uint8Array): this {
    checkData('aad', data)
    if (this.done) throw new KeywardError('InvalidParameter', 'setAAD after final.')
    this.core.aad(data)
    return this
  }

  protected checkUpdate(data: Uint8Array): void {
    checkData('data', data)
    if (this.done) throw new KeywardError('InvalidParameter', 'update after final.')
  }

  /** Ends the stream once and returns the computed tag (truncated to tagLength); the GCM state is cleared. */
  protected finish(): Buffer {
    if (this.done) throw new KeywardError('InvalidParameter', 'final called twice.')
    this.done = true
    const tag = this.core.tag().subarray(0, this.tagLength)
    this.core.clear()
    return tag
  }
}

/** SM4-GCM encryption stream; see {@link createSm4GcmCipher}. */
export class Sm4GcmCipher extends Sm4GcmStream implements GcmCipherLike {
  #tag: Buffer | undefined

  /** Encrypts the next part of the message. */
  update(data: Uint8Array): Buffer {
    this.checkUpdate(data)
    const out = this.core.keystream(data)
    this.core.authenticate(out)
    return out
  }

  /** Completes the message and computes the tag; returns an empty Buffer (CTR has no trailing block). */
  final(): Buffer {
    this.#tag = this.finish()
    return Buffer.alloc(0)
  }

  /** The tag, available after final(). */
  getAuthTag(): Buffer {
    if (!this.#tag) throw new KeywardError('InvalidParameter', 'getAuthTag is available after final.')
    return Buffer.from(this.#tag)
  }
}

/**
 * SM4-GCM decryption stream. As with Node's DecipherGCM, update() returns plaintext before the tag is checked:
 * treat it as untrusted until final() returns (final throws decryptionFailed() on a bad tag). Use
 * {@link sm4GcmDecrypt} when the whole message fits in memory: it checks the tag before decrypting anything.
 */
export class Sm4GcmDecipher extends Sm4GcmStream implements GcmDecipherLike {
  #expected: Buffer | undefined

  /** The expected tag, exactly `authTagLength` bytes; call before final(). */
  setAuthTag(tag: Uint8Array): this {
    checkData('tag', tag)
    if (this.done) throw new KeywardError('InvalidParameter', 'setAuthTag after final.')
    if (tag.length !== this.tagLength)
      throw new KeywardError('InvalidParameterValue', `tag must be ${this.tagLength} bytes, got ${tag.length}.`)
    this.#expected = Buffer.from(tag)
    return this
  }

  /** Decrypts the next part; the output is unauthenticated until final() returns. */
  update(data: Uint8Array): Buffer {
    this.checkUpdate(data)
    this.core.authenticate(data)
    return this.core.keystream(data)
  }

  /** Checks the tag: throws decryptionFailed() when it differs; returns an empty Buffer. */
  final(): Buffer {
    if (this.done) throw new KeywardError('InvalidParameter', 'final called twice.')
    if (!this.#expected) throw new KeywardError('MissingParameter', 'setAuthTag must be called before final.')
    const tag = this.finish()
    if (!timingSafeEqual(tag, this.#expected)) throw decryptionFailed()
    return Buffer.alloc(0)
  }
}

/**
 * A streaming SM4-GCM encryptor shaped like Node's CipherGCM.
 *
 * @example
 * ```ts
 * const c = createSm4GcmCipher(key, iv).setAAD(header)
 * const ct = Buffer.concat([c.update(part1), c.update(part2), c.final()])
 * const tag = c.getAuthTag()
 * ```
 */
export function createSm4GcmCipher(key: Uint8Array, iv: Uint8Array, options?: Sm4GcmOptions): Sm4GcmCipher {
  return new Sm4GcmCipher(key, iv, options)
}

/** A streaming SM4-GCM decryptor shaped like Node's DecipherGCM; see {@link Sm4GcmDecipher} on early output. */
export function createSm4GcmDecipher(key: Uint8Array, iv: Uint8Array, options?: Sm4GcmOptions): Sm4GcmDecipher {
  return new Sm4GcmDecipher(key, iv, options)
}
