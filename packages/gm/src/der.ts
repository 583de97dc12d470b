/**
 * The little DER the SM2 formats need: definite lengths, INTEGER, OCTET STRING, BIT STRING, SEQUENCE, OID and
 * context tags. The reader is strict (minimal lengths, no trailing bytes, minimal INTEGERs) so that one value has
 * one encoding; every failure is a `DerError` that callers turn into their own KeywardError.
 */

/** Thrown by the reader on malformed DER; callers map it to their error (never shown to end users as is). */
export class DerError extends Error {
  override readonly name = 'DerError'
}

/** One decoded TLV: its tag, its content and the bytes after it. */
export interface DerElement {
  readonly tag: number
  readonly content: Buffer
  readonly rest: Buffer
}

/** DER length octets. */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length)
  const bytes: number[] = []
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** A TLV with `tag` around `content`. */
export function derTlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.of(tag), encodeLength(body.length), body])
}

/** SEQUENCE of the given encoded elements. */
export function derSequence(...elements: Uint8Array[]): Buffer {
  return derTlv(0x30, ...elements)
}

/** INTEGER of a non-negative bigint (minimal two's complement). */
export function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new DerError('negative INTEGER')
  let hex = value.toString(16)
  if (hex.length % 2) hex = '0' + hex
  let bytes = Buffer.from(hex, 'hex')
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes])
  return derTlv(0x02, bytes)
}

/** OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Buffer {
  return derTlv(0x04, bytes)
}

/** Reads one TLV (single-byte tags, definite minimal lengths up to 4 octets). */
export function derRead(input: Buffer, expectedTag?: number): DerElement {
  if (input.length < 2) throw new DerError('truncated')
  const tag = input[0]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here')
  if (expectedTag !== undefined && tag !== expectedTag)
    throw new DerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${tag.toString(16)}`)
  let length = input[1]!
  let offset = 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4) throw new DerError('unsupported length')
    if (input.length < 2 + count) throw new DerError('truncated')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + input[2 + i]!
    if (input[2] === 0 || length < 0x80) throw new DerError('non-minimal length')
    offset = 2 + count
  }
  if (input.length < offset + length) throw new DerError('truncated')
  return { tag, content: input.subarray(offset, offset + length), rest: input.subarray(offset + length) }
}

/** Reads a minimal non-negative INTEGER. */
export function derReadInteger(input: Buffer): { value: bigint; rest: Buffer } {
  const el = derRead(input, 0x02)
  const c = el.content
  if (c.length === 0) throw new DerError('empty INTEGER')
  if (c[0]! & 0x80) throw new DerError('negative INTEGER')
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw new DerError('non-minimal INTEGER')
  return { value: BigInt('0x' + c.toString('hex')), rest: el.rest }
}

/** Reads a SEQUENCE that must be the whole input; returns its content. */
export function derReadWholeSequence(input: Buffer): Buffer {
  const el = derRead(input, 0x30)
  if (el.rest.length !== 0) throw new DerError('trailing bytes after SEQUENCE')
  return el.content
}
