import { createHash, createHmac } from 'node:crypto'
import { checkBytes } from '@keyward/core'

/** Largest input the one-shot helpers accept (2 GiB); stream through `createHash('sm3')` beyond that. */
const MAX_INPUT = 2 ** 31 - 1

/**
 * SM3 digest (GB/T 32905) of `data`, computed by Node's OpenSSL.
 *
 * @example
 * ```ts
 * sm3(Buffer.from('abc')).toString('hex') // '66c7f0f4...8f4ba8e0'
 * ```
 */
export function sm3(data: Uint8Array): Buffer {
  checkBytes('data', data, 0, MAX_INPUT)
  return createHash('sm3').update(data).digest()
}

/**
 * HMAC-SM3 of `data` under `key` (any length, as RFC 2104 allows), computed by Node's OpenSSL.
 *
 * @example
 * ```ts
 * const mac = hmacSm3(key, message) // 32 bytes
 * ```
 */
export function hmacSm3(key: Uint8Array, data: Uint8Array): Buffer {
  checkBytes('key', key, 0, MAX_INPUT)
  checkBytes('data', data, 0, MAX_INPUT)
  return createHmac('sm3', key).update(data).digest()
}
