import { KeywardError } from './errors.js'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const HEX = /^(?:[0-9a-fA-F]{2})*$/

/** Standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

const BASE64_UNPADDED_TAIL = /^(?:[A-Za-z0-9+/]{4})*[A-Za-z0-9+/]{2,3}$/

/** Options of {@link fromBase64}. */
export interface Base64Options {
  /**
   * Also accept base64 whose final `=` padding is left out (`dGVzdA`), as Tencent's API does — never a length
   * that no byte string encodes to (4n + 1 characters). Default false.
   */
  allowUnpadded?: boolean
}

/**
 * Strict base64 decode: rejects characters outside the alphabet, bad padding and whitespace, which Node's
 * lenient decoder would silently drop (a silent truncation). `field` names the parameter in the error.
 */
export function fromBase64(text: string, field = 'value', options: Base64Options = {}): Buffer {
  if (
    typeof text !== 'string' ||
    !(BASE64.test(text) || (options.allowUnpadded === true && BASE64_UNPADDED_TAIL.test(text)))
  ) {
    throw new KeywardError('InvalidParameterValue', `${field} is not valid base64.`)
  }
  return Buffer.from(text, 'base64')
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Strict hex decode (even length, hex digits only). */
export function fromHex(text: string, field = 'value'): Buffer {
  if (typeof text !== 'string' || !HEX.test(text)) {
    throw new KeywardError('InvalidParameterValue', `${field} is not valid hex.`)
  }
  return Buffer.from(text, 'hex')
}

/** Buffer view over the same memory as `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8')
}
