import { decryptionFailed } from '@keyward/core'

/**
 * AsymmetricSm2Decrypt takes C1C3C2 in ASN.1 DER only (GM/T 0009: SEQUENCE { INTEGER x, INTEGER y,
 * OCTET STRING C3, OCTET STRING C2 }); the contract also accepts raw `04 ‖ x ‖ y ‖ C3 ‖ C2`. This re-encodes
 * raw to DER, a fixed four-field structure, so no general ASN.1 library is pulled in for it.
 */

const COORD = 32
const HASH = 32
const RAW_MIN = 1 + 2 * COORD + HASH + 1

/** DER C1C3C2 for Tencent: DER input passes through, raw (04-prefixed) input is re-encoded. */
export function sm2CiphertextForTencent(ciphertext: Uint8Array): Uint8Array {
  if (ciphertext[0] === 0x30) return ciphertext
  if (ciphertext[0] !== 0x04 || ciphertext.byteLength < RAW_MIN)
    throw decryptionFailed(new Error('SM2 ciphertext is neither DER nor 04-prefixed raw C1C3C2'))
  const x = ciphertext.subarray(1, 1 + COORD)
  const y = ciphertext.subarray(1 + COORD, 1 + 2 * COORD)
  const c3 = ciphertext.subarray(1 + 2 * COORD, 1 + 2 * COORD + HASH)
  const c2 = ciphertext.subarray(1 + 2 * COORD + HASH)
  return tlv(0x30, Buffer.concat([integer(x), integer(y), tlv(0x04, c3), tlv(0x04, c2)]))
}

/** A non-negative DER INTEGER from big-endian bytes: minimal, with a 00 pad when the top bit is set. */
function integer(bytes: Uint8Array): Uint8Array {
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0) i++
  const body = bytes.subarray(i)
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body)
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...len]), body])
}
