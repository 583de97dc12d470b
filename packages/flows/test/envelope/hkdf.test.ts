import { hkdfSync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hkdfExpand, hkdfExtract } from '../../src/envelope/hkdf.js'

describe('HKDF extract/expand over node:crypto HMAC', () => {
  it('matches RFC 5869 test case 1 (SHA-256)', () => {
    const ikm = Buffer.alloc(22, 0x0b)
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex')
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex')
    const prk = hkdfExtract('sha256', ikm, salt)
    expect(prk.toString('hex')).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5')
    expect(hkdfExpand('sha256', prk, info, 42).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    )
  })

  for (const hash of ['sha256', 'sm3'] as const) {
    it(`equals node:crypto hkdfSync for ${hash} (empty and random salts, several lengths)`, () => {
      for (let i = 0; i < 50; i++) {
        const ikm = randomBytes(1 + (i % 40))
        const salt = i % 2 ? randomBytes(32) : Buffer.alloc(0)
        const info = randomBytes(i % 60)
        const len = [1, 16, 32, 48, 64, 100][i % 6] as number
        const mine = hkdfExpand(hash, hkdfExtract(hash, ikm, salt), info, len)
        expect(mine.equals(Buffer.from(hkdfSync(hash, ikm, salt, info, len)))).toBe(true)
      }
    })
  }
})
