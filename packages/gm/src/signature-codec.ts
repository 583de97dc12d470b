/**
 * ECDSA-style signatures (SM2, ECDSA P-256) as DER SEQUENCE{r, s} or as raw fixed-width r‖s (IEEE P1363, what
 * WebCrypto and many HSMs use).
 */
import { KeywardError } from '@keyward/core'
import { derInteger, derReadInteger, derReadWholeSequence, derSequence } from './der.js'
import { bigIntToBytes, bytesToBigInt } from './sm2-curve.js'

/**
 * DER SEQUENCE{r, s} → r‖s with each integer left-padded to `size` bytes (32 for SM2 and P-256).
 *
 * @example
 * ```ts
 * signatureDerToRaw(sm2Sign(d, msg), 32) // 64 bytes
 * ```
 */
export function signatureDerToRaw(signature: Uint8Array, size = 32): Buffer {
  if (!(signature instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'signature must be bytes (Uint8Array/Buffer).')
  if (!Number.isInteger(size) || size < 1 || size > 132) throw new KeywardError('InvalidParameterValue', 'size must be an integer from 1 to 132.')
  let r: bigint
  let s: bigint
  try {
    const body = derReadWholeSequence(Buffer.from(signature))
    const ri = derReadInteger(body)
    const si = derReadInteger(ri.rest)
    if (si.rest.length !== 0) throw new Error('trailing fields')
    r = ri.value
    s = si.value
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', 'signature is not DER SEQUENCE{r INTEGER, s INTEGER}.', { cause: e })
  }
  const limit = 1n << BigInt(8 * size)
  if (r >= limit || s >= limit) throw new KeywardError('InvalidParameterValue', `signature integers do not fit in ${size} bytes.`)
  return Buffer.concat([bigIntToBytes(r, size), bigIntToBytes(s, size)])
}

/** Raw r‖s (two equal halves) → DER SEQUENCE{r, s}. */
export function signatureRawToDer(raw: Uint8Array): Buffer {
  if (!(raw instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'signature must be bytes (Uint8Array/Buffer).')
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 264) {
    throw new KeywardError('InvalidParameterValue', `raw signature must be r‖s of equal halves (even length, 2-264 bytes), got ${raw.length}.`)
  }
  const half = raw.length / 2
  return derSequence(derInteger(bytesToBigInt(raw.subarray(0, half))), derInteger(bytesToBigInt(raw.subarray(half))))
}
