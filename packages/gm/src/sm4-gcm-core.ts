/**
 * SM4-GCM (NIST SP 800-38D over the SM4 block cipher, RFC 8998) from OpenSSL's sm4-ecb (H, E(K, J0)) and sm4-ctr
 * (the keystream) plus a table GHASH (ghash-wasm.ts, or ghash.ts without WebAssembly SIMD). OpenSSL 3.0 has no
 * sm4-gcm; its sm4-ctr increments the whole 128-bit counter while GCM increments only the low 32 bits (inc32),
 * so the keystream is restarted at the one point where the low word wraps to 0 — reachable only with IVs that
 * are not 96 bits, whose J0 = GHASH(IV).
 */
import { createCipheriv, type Cipher } from 'node:crypto'
import { KeywardError, zeroize } from '@keyward/core'
import { createGhash } from './ghash-wasm.js'
import type { GhashLike } from './ghash-table.js'

/** GCM's plaintext limit: 2^39 − 256 bits. */
export const SM4_GCM_MAX_TEXT_BYTES = 2 ** 36 - 32
/** Largest IV accepted (GCM allows up to 2^64 bits; nothing real needs more than this). */
export const SM4_GCM_MAX_IV_BYTES = 65536

/** Checks key, IV and tag length; shared by the one-shot and streaming entry points. */
export function checkSm4GcmParams(key: unknown, iv: unknown, authTagLength: unknown): void {
  if (!(key instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'key must be bytes (Uint8Array/Buffer).')
  if (key.length !== 16) throw new KeywardError('InvalidParameterValue', `SM4 key must be 16 bytes, got ${key.length}.`)
  if (!(iv instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'iv must be bytes (Uint8Array/Buffer).')
  if (iv.length < 1 || iv.length > SM4_GCM_MAX_IV_BYTES) {
    throw new KeywardError(
      'InvalidParameterValue',
      `GCM IV must be 1-${SM4_GCM_MAX_IV_BYTES} bytes (12 recommended), got ${iv.length}.`,
    )
  }
  if (
    typeof authTagLength !== 'number' ||
    !Number.isInteger(authTagLength) ||
    authTagLength < 12 ||
    authTagLength > 16
  ) {
    throw new KeywardError(
      'InvalidParameterValue',
      `authTagLength must be an integer from 12 to 16, got ${String(authTagLength)}.`,
    )
  }
}

function checkLength(total: number): void {
  if (total > SM4_GCM_MAX_TEXT_BYTES)
    throw new KeywardError('InvalidParameterValue', `GCM limits a message to ${SM4_GCM_MAX_TEXT_BYTES} bytes.`)
}

function ecbBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false)
  return Buffer.concat([c.update(block), c.final()])
}

function lengthBlock(aBytes: number, cBytes: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeBigUInt64BE(BigInt(aBytes) * 8n, 0)
  b.writeBigUInt64BE(BigInt(cBytes) * 8n, 8)
  return b
}

/** Keystream and GHASH of one SM4-GCM message; the stream classes and one-shot functions drive it. */
export class Sm4GcmCore {
  readonly #key: Buffer
  readonly #ghash: GhashLike
  readonly #ej0: Buffer
  /** Counter block whose low 32 bits are 0, for after the wrap. */
  readonly #wrapCounter: Buffer
  #ctr: Cipher
  #bytesUntilWrap: number
  #aadBytes = 0
  /** Ciphertext bytes authenticated, and bytes run through the keystream (equal once a message is done). */
  #textBytes = 0
  #streamBytes = 0
  #textStarted = false

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.#key = Buffer.from(key)
    this.#ghash = createGhash(ecbBlock(key, new Uint8Array(16)))
    let j0: Buffer
    if (iv.length === 12) {
      j0 = Buffer.concat([iv, Buffer.of(0, 0, 0, 1)])
    } else {
      this.#ghash.update(iv)
      this.#ghash.pad()
      this.#ghash.update(lengthBlock(0, iv.length))
      j0 = this.#ghash.digest()
      this.#ghash.reset()
    }
    this.#ej0 = ecbBlock(key, j0)
    const first = Buffer.from(j0)
    const low = (j0.readUInt32BE(12) + 1) >>> 0
    first.writeUInt32BE(low, 12)
    this.#wrapCounter = Buffer.from(first)
    this.#wrapCounter.writeUInt32BE(0, 12)
    this.#bytesUntilWrap = (2 ** 32 - low) * 16
    this.#ctr = createCipheriv('sm4-ctr', key, first)
  }

  /** Adds AAD; only before any text. */
  aad(data: Uint8Array): void {
    if (this.#textStarted) throw new KeywardError('InvalidParameter', 'setAAD must be called before update.')
    if (this.#aadBytes + data.length > Number.MAX_SAFE_INTEGER / 8)
      throw new KeywardError('InvalidParameterValue', 'AAD too long for GCM.')
    this.#ghash.update(data)
    this.#aadBytes += data.length
  }

  /** Counter-mode transform of `data` (encrypts or decrypts), honouring inc32. */
  keystream(data: Uint8Array): Buffer {
    this.#startText()
    checkLength(this.#streamBytes + data.length)
    this.#streamBytes += data.length
    if (data.length <= this.#bytesUntilWrap) {
      this.#bytesUntilWrap -= data.length
      return this.#ctr.update(data)
    }
    const head = this.#ctr.update(data.subarray(0, this.#bytesUntilWrap))
    this.#ctr.final()
    this.#ctr = createCipheriv('sm4-ctr', this.#key, this.#wrapCounter)
    const tail = this.#ctr.update(data.subarray(this.#bytesUntilWrap))
    this.#bytesUntilWrap = Infinity
    return Buffer.concat([head, tail])
  }

  /** Absorbs ciphertext into the tag. */
  authenticate(ciphertext: Uint8Array): void {
    this.#startText()
    checkLength(this.#textBytes + ciphertext.length)
    this.#textBytes += ciphertext.length
    this.#ghash.update(ciphertext)
  }

  /** The full 16-byte tag over everything absorbed; call once, then {@link Sm4GcmCore.clear}. */
  tag(): Buffer {
    this.#startText()
    this.#ghash.pad()
    this.#ghash.update(lengthBlock(this.#aadBytes, this.#textBytes))
    const s = this.#ghash.digest()
    for (let i = 0; i < 16; i++) s[i]! ^= this.#ej0[i]!
    return s
  }

  /** Wipes key material copies and GHASH tables. */
  clear(): void {
    zeroize(this.#key, this.#ej0)
    this.#ghash.clear()
  }

  #startText(): void {
    if (!this.#textStarted) {
      this.#ghash.pad()
      this.#textStarted = true
    }
  }
}
