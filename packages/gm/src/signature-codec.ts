/**
 * ECDSA-style signatures (SM2, ECDSA P-256) as DER SEQUENCE{r, s} or as raw fixed-width r‖s (IEEE P1363, what
 * WebCrypto and many HSMs use). The one codec of the repository: SM2 signing and verifying, the flows' format
 * conversions and the PKCS#11 provider (tokens answer r‖s) all go through it.
 */
import { KeywardError } from '@keyward/core'
import { derInteger, derReadInteger, derReadWholeSequence, derSequence, derTlv } from './der.js'
import { bigIntToBytes } from './sm2-curve.js'

/**
 * r and s of a DER SEQUENCE{r INTEGER, s INTEGER} and nothing else (strict DER: minimal lengths and integers, no
 * trailing bytes). Throws `DerError` (or a plain Error) when it is not that; callers map it to their own answer.
 */
export function decodeDerSignature(signature: Uint8Array): { r: bigint; s: bigint } {
  const body = derReadWholeSequence(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength))
  const ri = derReadInteger(body)
  const si = derReadInteger(ri.rest)
  if (si.rest.length !== 0) throw new Error('trailing fields')
  return { r: ri.value, s: si.value }
}

/** DER SEQUENCE{r, s} of two non-negative integers. */
export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  return derSequence(derInteger(r), derInteger(s))
}

/**
 * DER SEQUENCE{r, s} → r‖s with each integer left-padded to `size` bytes (32 for SM2 and P-256).
 *
 * @example
 * ```ts
 * signatureDerToRaw(sm2Sign(d, msg), 32) // 64 bytes
 * ```
 */
export function signatureDerToRaw(signature: Uint8Array, size = 32): Buffer {
  if (!(signature instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'signature must be bytes (Uint8Array/Buffer).')
  if (!Number.isInteger(size) || size < 1 || size > 132)
    throw new KeywardError('InvalidParameterValue', 'size must be an integer from 1 to 132.')
  let rs: { r: bigint; s: bigint }
  try {
    rs = decodeDerSignature(signature)
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', 'signature is not DER SEQUENCE{r INTEGER, s INTEGER}.', {
      cause: e,
    })
  }
  const limit = 1n << BigInt(8 * size)
  if (rs.r >= limit || rs.s >= limit)
    throw new KeywardError('InvalidParameterValue', `signature integers do not fit in ${size} bytes.`)
  return Buffer.concat([bigIntToBytes(rs.r, size), bigIntToBytes(rs.s, size)])
}

/**
 * Raw r‖s (two equal halves) → DER SEQUENCE{r, s}. Written byte by byte (no bigint round trip): PKCS#11 ECDSA
 * signing calls it on every signature.
 *
 * @example
 * ```ts
 * signatureRawToDer(tokenSignature) // what Tencent KMS and openssl return for ECC_P256_R1
 * ```
 */
export function signatureRawToDer(raw: Uint8Array): Buffer {
  if (!(raw instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'signature must be bytes (Uint8Array/Buffer).')
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 264) {
    throw new KeywardError(
      'InvalidParameterValue',
      `raw signature must be r‖s of equal halves (even length, 2-264 bytes), got ${raw.length}.`,
    )
  }
  const half = raw.length / 2
  const r = stripZeros(raw.subarray(0, half))
  const s = stripZeros(raw.subarray(half))
  const body = integerBytes(r) + integerBytes(s)
  if (body >= 0x80) return derSequence(integerTlv(r), integerTlv(s))
  // Short length form throughout (P-256, SM2, P-384): one buffer, written in place.
  const out = Buffer.allocUnsafe(2 + body)
  out[0] = 0x30
  out[1] = body
  putInteger(out, putInteger(out, 2, r), s)
  return out
}

/** The bytes of an unsigned big-endian value without its leading zeros (one kept for zero). */
function stripZeros(v: Uint8Array): Uint8Array {
  let i = 0
  while (i < v.length - 1 && v[i] === 0) i++
  return v.subarray(i)
}

/** 0x00 in front when the high bit is set, so that the INTEGER stays non-negative. */
function padOf(body: Uint8Array): number {
  return ((body[0] as number) & 0x80) !== 0 ? 1 : 0
}

/** DER length of an INTEGER holding `body` (short form). */
function integerBytes(body: Uint8Array): number {
  return 2 + padOf(body) + body.length
}

/** Writes DER INTEGER `body` at `at` (short form); returns the next offset. */
function putInteger(out: Buffer, at: number, body: Uint8Array): number {
  const pad = padOf(body)
  out[at] = 0x02
  out[at + 1] = pad + body.length
  if (pad) out[at + 2] = 0
  out.set(body, at + 2 + pad)
  return at + 2 + pad + body.length
}

/** DER INTEGER of an unsigned big-endian value without leading zeros (any length). */
function integerTlv(body: Uint8Array): Buffer {
  return derTlv(0x02, padOf(body) ? Buffer.of(0) : Buffer.alloc(0), body)
}
