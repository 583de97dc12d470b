/**
 * SM2 ciphertext forms and conversions between them. The same ciphertext C1 (point kG), C3 (SM3 hash, 32 bytes)
 * and C2 (masked message) travels as:
 * - ASN.1 C1C3C2 (GM/T 0009: SEQUENCE{x INTEGER, y INTEGER, hash OCTET STRING, ciphertext OCTET STRING}) —
 *   Tencent KMS, OpenSSL, GmSSL 3;
 * - ASN.1 C1C2C3 (the same fields with the two OCTET STRINGs swapped; some Java libraries);
 * - raw C1C3C2 or C1C2C3 bytes, with or without the 04 point prefix (sm-crypto: C1C3C2 mode 1 without 04,
 *   hex; older GmSSL / bc-java defaults: C1C2C3 with 04).
 */
import { KeywardError } from '@keyward/core'
import {
  DerError,
  derInteger,
  derOctetString,
  derRead,
  derReadInteger,
  derReadWholeSequence,
  derSequence,
} from './der.js'
import { bigIntToBytes, bytesToBigInt, isOnCurve, P } from './sm2-curve.js'

/** Where C3 sits relative to C2. */
export type Sm2CiphertextOrder = 'C1C3C2' | 'C1C2C3'
/** ASN.1 DER or concatenated bytes. */
export type Sm2CiphertextEncoding = 'asn1' | 'raw'

/** One SM2 ciphertext form; `prefix` (the 04 before C1) applies to raw only and defaults to true. */
export interface Sm2CiphertextForm {
  order: Sm2CiphertextOrder
  encoding: Sm2CiphertextEncoding
  prefix?: boolean
}

/** The parts of an SM2 ciphertext: C1 = (x, y) as 32-byte coordinates, C3 the 32-byte hash, C2 the masked text. */
export interface Sm2CiphertextParts {
  x: Buffer
  y: Buffer
  c3: Buffer
  c2: Buffer
}

function bad(message: string, cause?: unknown): KeywardError {
  return new KeywardError('InvalidParameterValue', `SM2 ciphertext: ${message}`, { cause })
}

function checkC1(x: Buffer, y: Buffer): void {
  if (!isOnCurve(bytesToBigInt(x), bytesToBigInt(y))) throw bad('C1 is not a point on the SM2 curve.')
}

function onCurveAt(input: Buffer, offset: number): boolean {
  return (
    input.length >= offset + 64 &&
    isOnCurve(
      bytesToBigInt(input.subarray(offset, offset + 32)),
      bytesToBigInt(input.subarray(offset + 32, offset + 64)),
    )
  )
}

function parseAsn1(input: Buffer): { a: bigint; b: bigint; first: Buffer; second: Buffer } {
  try {
    const body = derReadWholeSequence(input)
    const a = derReadInteger(body)
    const b = derReadInteger(a.rest)
    const first = derRead(b.rest, 0x04)
    const second = derRead(first.rest, 0x04)
    if (second.rest.length !== 0) throw new DerError('trailing fields')
    return { a: a.value, b: b.value, first: first.content, second: second.content }
  } catch (e) {
    throw bad(
      `not a valid ASN.1 SEQUENCE{x, y, OCTET STRING, OCTET STRING} (${e instanceof Error ? e.message : 'malformed'}).`,
      e,
    )
  }
}

/**
 * The form of `input` where its bytes decide it; throws KeywardError('InvalidParameterValue') where they do
 * not. ASN.1 starts with 0x30 (a raw C1 starts with 04 or a coordinate, both checked against the curve); its
 * order shows when exactly one OCTET STRING is 32 bytes (the hash), and is ambiguous when C2 is 32 bytes too.
 * The 04 prefix of a raw ciphertext shows because C1 must be a curve point, but raw C1C3C2 and C1C2C3 are byte
 * strings of the same shape: nothing tells them apart, so pass `hint.order` for raw input. `hint` fills what
 * the bytes leave open and must agree with what they show.
 *
 * @example
 * ```ts
 * detectSm2CiphertextForm(tencentCiphertext) // { order: 'C1C3C2', encoding: 'asn1' }
 * detectSm2CiphertextForm(Buffer.from(smCryptoHex, 'hex'), { order: 'C1C3C2' }) // raw, prefix false
 * ```
 */
export function detectSm2CiphertextForm(input: Uint8Array, hint: Partial<Sm2CiphertextForm> = {}): Sm2CiphertextForm {
  if (!(input instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'SM2 ciphertext must be bytes (Uint8Array/Buffer).')
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const rawPrefixed = buf[0] === 0x04 && buf.length >= 65 + 32 + 1 && onCurveAt(buf, 1)
  const rawBare = buf.length >= 64 + 32 + 1 && onCurveAt(buf, 0)
  const asn1 = buf[0] === 0x30 && !rawBare
  let form: Sm2CiphertextForm
  if (asn1) {
    const { first, second } = parseAsn1(buf)
    let order: Sm2CiphertextOrder | undefined
    if (first.length === 32 && second.length !== 32) order = 'C1C3C2'
    else if (second.length === 32 && first.length !== 32) order = 'C1C2C3'
    else if (first.length !== 32) throw bad('no 32-byte hash field (C3) in the ASN.1 ciphertext.')
    order ??= hint.order
    if (!order)
      throw bad('ASN.1 ciphertext of a 32-byte message: C1C3C2 and C1C2C3 cannot be told apart; pass the order.')
    form = { order, encoding: 'asn1' }
  } else if (rawPrefixed || rawBare) {
    if (rawPrefixed && rawBare)
      throw bad('cannot tell whether the raw ciphertext carries the 04 prefix; pass the form.')
    if (!hint.order)
      throw bad('raw ciphertexts do not show whether C3 precedes C2 (C1C3C2) or follows it (C1C2C3); pass the order.')
    form = { order: hint.order, encoding: 'raw', prefix: rawPrefixed }
  } else {
    throw bad('neither ASN.1 nor raw with a valid C1 point (too short, or C1 not on the curve).')
  }
  for (const key of ['order', 'encoding', 'prefix'] as const) {
    if (hint[key] !== undefined && form[key] !== undefined && hint[key] !== form[key])
      throw bad(`it is not ${key} ${String(hint[key])}.`)
  }
  return form
}

/** Splits `input`, given its form, into C1 coordinates, C3 and C2; validates C1 on the curve. */
export function parseSm2Ciphertext(input: Uint8Array, form: Sm2CiphertextForm): Sm2CiphertextParts {
  if (!(input instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'SM2 ciphertext must be bytes (Uint8Array/Buffer).')
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  let parts: Sm2CiphertextParts
  if (form.encoding === 'asn1') {
    const { a, b, first, second } = parseAsn1(buf)
    if (a >= P || b >= P) throw bad('C1 coordinate out of range.')
    const [c3, c2] = form.order === 'C1C3C2' ? [first, second] : [second, first]
    if (c3.length !== 32) throw bad('C3 must be 32 bytes.')
    parts = { x: bigIntToBytes(a), y: bigIntToBytes(b), c3: Buffer.from(c3), c2: Buffer.from(c2) }
  } else {
    const start = form.prefix === false ? 0 : 1
    if (start === 1 && buf[0] !== 0x04) throw bad('raw ciphertext does not start with 04.')
    if (buf.length < start + 64 + 32 + 1) throw bad('too short.')
    const x = Buffer.from(buf.subarray(start, start + 32))
    const y = Buffer.from(buf.subarray(start + 32, start + 64))
    const body = buf.subarray(start + 64)
    const [c3, c2] =
      form.order === 'C1C3C2'
        ? [body.subarray(0, 32), body.subarray(32)]
        : [body.subarray(body.length - 32), body.subarray(0, body.length - 32)]
    parts = { x, y, c3: Buffer.from(c3), c2: Buffer.from(c2) }
  }
  if (parts.c2.length === 0) throw bad('C2 is empty.')
  checkC1(parts.x, parts.y)
  return parts
}

/** Encodes ciphertext parts in `form`. */
export function formatSm2Ciphertext(parts: Sm2CiphertextParts, form: Sm2CiphertextForm): Buffer {
  if (form.encoding === 'asn1') {
    const [f, s] = form.order === 'C1C3C2' ? [parts.c3, parts.c2] : [parts.c2, parts.c3]
    return derSequence(
      derInteger(bytesToBigInt(parts.x)),
      derInteger(bytesToBigInt(parts.y)),
      derOctetString(f),
      derOctetString(s),
    )
  }
  const [f, s] = form.order === 'C1C3C2' ? [parts.c3, parts.c2] : [parts.c2, parts.c3]
  return Buffer.concat([form.prefix === false ? Buffer.alloc(0) : Buffer.of(4), parts.x, parts.y, f, s])
}

function checkForm(field: string, form: unknown): asserts form is Sm2CiphertextForm {
  const f = form as Partial<Sm2CiphertextForm> | undefined
  const ok =
    typeof f === 'object' &&
    f !== null &&
    (f.order === 'C1C3C2' || f.order === 'C1C2C3') &&
    (f.encoding === 'asn1' || f.encoding === 'raw') &&
    (f.prefix === undefined || typeof f.prefix === 'boolean')
  if (!ok)
    throw new KeywardError(
      'InvalidParameterValue',
      `${field} must be {order: 'C1C3C2'|'C1C2C3', encoding: 'asn1'|'raw', prefix?: boolean}.`,
    )
}

/**
 * Re-encodes an SM2 ciphertext in another form. `from` defaults to {@link detectSm2CiphertextForm} (which needs
 * the order for raw input). C1 is checked to be on the curve.
 *
 * @example
 * ```ts
 * // sm-crypto (mode 1, hex, no 04) → what Tencent AsymmetricSm2Decrypt takes
 * const asn1 = convertSm2Ciphertext(Buffer.from(hex, 'hex'), { order: 'C1C3C2', encoding: 'asn1' },
 *   { order: 'C1C3C2', encoding: 'raw', prefix: false })
 * ```
 */
export function convertSm2Ciphertext(input: Uint8Array, to: Sm2CiphertextForm, from?: Sm2CiphertextForm): Buffer {
  checkForm('to', to)
  if (from !== undefined) checkForm('from', from)
  const source = from ?? detectSm2CiphertextForm(input)
  return formatSm2Ciphertext(parseSm2Ciphertext(input, source), to)
}
