import { describe, expect, it } from 'vitest'
import { NonceSource } from '../src/nonce-source.js'

describe('NonceSource', () => {
  it('hands out distinct 96-bit nonces across several refills of its buffer', () => {
    const source = new NonceSource()
    const seen = new Set<string>()
    // 341 nonces fit in one 4092-byte refill: 2000 cross five refills.
    for (let i = 0; i < 2000; i++) seen.add(source.fill(Buffer.alloc(12)).toString('hex'))
    expect(seen.size).toBe(2000)
    expect(seen.has('00'.repeat(12))).toBe(false)
  })

  it('two sources do not repeat each other, and an over-long request is filled directly', () => {
    const a = new NonceSource()
    const b = new NonceSource()
    expect(a.fill(Buffer.alloc(12)).equals(b.fill(Buffer.alloc(12)))).toBe(false)
    const big = a.fill(Buffer.alloc(5000))
    expect(big.subarray(4000).equals(Buffer.alloc(1000))).toBe(false)
  })
})
