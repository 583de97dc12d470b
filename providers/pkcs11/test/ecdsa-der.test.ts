import { randomBytes } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { describe, expect, it } from 'vitest'
import { ecdsaFromDer, ecdsaToDer } from '../src/sign-mechanisms.js'

/** r ‖ s with chosen first bytes: high bit set (DER needs a 0x00 pad), leading zeros (DER drops them). */
function rawSignature(rHead: number[], sHead: number[]): Buffer {
  const raw = randomBytes(64)
  raw.set(rHead, 0)
  raw.set(sHead, 32)
  raw[31] = raw[31] || 1
  raw[63] = raw[63] || 1
  return raw
}

describe('ECDSA r ‖ s → DER', () => {
  it('matches @noble/curves for high-bit, leading-zero and plain values, and round-trips', () => {
    const cases = [
      rawSignature([0x80], [0x7f]),
      rawSignature([0x00, 0x00, 0x91], [0x00, 0x05]),
      rawSignature([0xff], [0xff]),
      rawSignature([0x01], [0x00, 0x80]),
    ]
    for (let i = 0; i < 200; i++) cases.push(randomBytes(64))
    for (const raw of cases) {
      const der = Buffer.from(ecdsaToDer(raw))
      expect(der.toString('hex')).toBe(
        Buffer.from(p256.Signature.fromBytes(raw, 'compact').toBytes('der')).toString('hex'),
      )
      expect(ecdsaFromDer(der)?.equals(raw)).toBe(true)
    }
  })

  it('a token answer that is not 64 bytes is an InternalError, not a malformed signature', () => {
    expect(() => ecdsaToDer(randomBytes(63))).toThrow(/63-byte/)
  })
})
