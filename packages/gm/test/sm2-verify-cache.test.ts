/** Hot-key tables: same answers as the other routes, bounded, configurable. */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import smCrypto from 'sm-crypto'
import {
  configureSm2VerifyCache,
  signatureDerToRaw,
  sm2GenerateKeyPair,
  sm2MessageDigest,
  sm2SignDigest,
  sm2Verify,
  sm2VerifyDigest,
} from '@keyward/gm'
import { tableCheck } from '../src/sm2-verify-cache.js'
import { nativeCheck } from '../src/sm2-verify-native.js'
import { combinedX } from '../src/sm2-verify-core.js'
import { bytesToBigInt, decodePublicKey, mod, N } from '../src/sm2-curve.js'
import { codeOf } from '@keyward/test-support'

const { sm2 } = smCrypto
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
afterAll(() => configureSm2VerifyCache({ maxKeys: 4, hotAfter: 16 }))

describe('SM2 hot-key verification tables', () => {
  it('agree with the native and ECDH routes on valid and altered signatures (300 cases, one hot key)', () => {
    configureSm2VerifyCache({ maxKeys: 4, hotAfter: 1 })
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const point = decodePublicKey(publicKey)
    for (let i = 0; i < 300; i++) {
      const e = sm2MessageDigest(publicKey, randomBytes(16))
      const raw = signatureDerToRaw(sm2SignDigest(privateKey, e))
      const r = bytesToBigInt(raw.subarray(0, 32))
      const s = i % 3 === 0 ? mod(bytesToBigInt(raw.subarray(32)) + 1n, N) || 1n : bytesToBigInt(raw.subarray(32))
      const t = mod(r + s, N)
      const rPrime = mod(r - bytesToBigInt(e), N)
      const fromTables = tableCheck(s, t, rPrime, publicKey, point)
      expect(fromTables, `case ${i}`).toBe(nativeCheck(s, t, rPrime, publicKey))
      expect(fromTables, `case ${i}`).toBe(mod(combinedX(s, t, point)!, N) === rPrime)
      expect(fromTables, `case ${i}`).toBe(i % 3 !== 0)
    }
  })
  it('a hot key verifies sm-crypto signatures and rejects altered messages exactly as sm-crypto does', async () => {
    configureSm2VerifyCache({ maxKeys: 4, hotAfter: 2 })
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    for (let i = 0; i < 150; i++) {
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve))
      const msg = randomBytes(i % 100)
      const sig = Buffer.from(
        sm2.doSignature(Array.from(msg), hex(privateKey), { hash: true, der: true, publicKey: hex(publicKey) }),
        'hex',
      )
      expect(sm2Verify(publicKey, msg, sig), `#${i}`).toBe(true)
      expect(sm2Verify(publicKey, Buffer.concat([msg, Buffer.of(1)]), sig), `#${i}`).toBe(false)
    }
  })
  it('is off with maxKeys 0 and rejects bad settings', async () => {
    configureSm2VerifyCache({ maxKeys: 0, hotAfter: 1 })
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const e = sm2MessageDigest(publicKey, Buffer.from('x'))
    const point = decodePublicKey(publicKey)
    for (let i = 0; i < 3; i++) expect(tableCheck(1n, 2n, 3n, publicKey, point)).toBeUndefined()
    expect(sm2VerifyDigest(publicKey, e, sm2SignDigest(privateKey, e))).toBe(true)
    expect(await codeOf(() => configureSm2VerifyCache({ maxKeys: 65 }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => configureSm2VerifyCache({ hotAfter: 0 }))).toBe('InvalidParameterValue')
  })
  it('keeps at most maxKeys tables, evicting the least recently used', () => {
    const keys = [0, 1, 2].map(() => sm2GenerateKeyPair().publicKey)
    const check = (k: Buffer): boolean | undefined => tableCheck(1n, 2n, 3n, k, decodePublicKey(k))
    // configure() also lifts the one-build-per-256-verifications limit, so each step may build at once.
    configureSm2VerifyCache({ maxKeys: 2, hotAfter: 1 })
    expect(check(keys[0]!)).toBe(false) // built
    configureSm2VerifyCache({})
    expect(check(keys[1]!)).toBe(false) // built
    expect(check(keys[0]!)).toBe(false) // touch 0: key 1 is now least recent
    configureSm2VerifyCache({ hotAfter: 2 })
    expect(check(keys[2]!)).toBeUndefined() // counted, not hot yet
    expect(check(keys[2]!)).toBe(false) // built: evicts key 1
    expect(check(keys[1]!)).toBeUndefined() // gone: counting again
    expect(check(keys[0]!)).toBe(false) // still cached
  })
  it('builds at most one table per 256 verifications', () => {
    configureSm2VerifyCache({ maxKeys: 4, hotAfter: 1 })
    const [a, b] = [0, 1].map(() => sm2GenerateKeyPair().publicKey) as [Buffer, Buffer]
    const check = (k: Buffer): boolean | undefined => tableCheck(1n, 2n, 3n, k, decodePublicKey(k))
    expect(check(a)).toBe(false) // built
    expect(check(b)).toBeUndefined() // too soon after the last build
    for (let i = 0; i < 253; i++) check(a)
    expect(check(b)).toBeUndefined() // 255th verification since the build
    expect(check(b)).toBe(false) // 256th: built
  })
})
