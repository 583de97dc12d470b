/**
 * SM2 verification has two routes to x(s·G + t·P): OpenSSL's ECDSA verifier with an explicit generator (fast)
 * and three ECDH products with y recovered in BigInt (fallback). Both must give the same answer everywhere.
 */
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  signatureDerToRaw,
  signatureRawToDer,
  sm2GenerateKeyPair,
  sm2MessageDigest,
  sm2SignDigest,
  sm2VerifyDigest,
} from '@keyward/gm'
import { combinedX, mulPoint } from '../src/sm2-verify-core.js'
import { nativeCheck, nativeVerifyAvailable } from '../src/sm2-verify-native.js'
import { addPoints, bytesToBigInt, decodePublicKey, invert, mod, N } from '../src/sm2-curve.js'
import { mulBase } from '../src/sm2-native.js'
import { mulBasePublic } from '../src/sm2-base-table.js'

const big = (b: Uint8Array): bigint => bytesToBigInt(b)
const int = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex')

describe('SM2 verification routes agree', () => {
  it('the native route is available on this OpenSSL (else verification is slow, not wrong)', () => {
    expect(nativeVerifyAvailable()).toBe(true)
  })
  it('both routes accept valid and reject altered signatures over 200 random cases', () => {
    for (let i = 0; i < 200; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair()
      const point = decodePublicKey(publicKey)
      const e = sm2MessageDigest(publicKey, randomBytes(20))
      const raw = signatureDerToRaw(sm2SignDigest(privateKey, e))
      const r = big(raw.subarray(0, 32))
      let s = big(raw.subarray(32))
      if (i % 2 === 1) s = mod(s + BigInt(1 + i), N) || 1n
      const t = mod(r + s, N)
      const rPrime = mod(r - big(e), N)
      const slow = mod(combinedX(s, t, point)!, N) === rPrime
      expect(nativeCheck(s, t, rPrime, publicKey), `case ${i}`).toBe(slow)
      expect(slow, `case ${i}`).toBe(i % 2 === 0)
    }
  })
  it('the y-recovering product t·P equals repeated addition for small t and edge scalars', () => {
    const { publicKey } = sm2GenerateKeyPair()
    const p = decodePublicKey(publicKey)
    let acc: ReturnType<typeof addPoints> = null
    for (let t = 1n; t <= 20n; t++) {
      acc = addPoints(acc, p)
      expect(mulPoint(t, p)).toEqual(acc)
    }
    expect(mulPoint(N - 1n, p)).toEqual({
      x: p.x,
      y: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn - p.y,
    })
    expect(addPoints(mulPoint(N - 2n, p), mulPoint(2n, p))).toBeNull()
    const g = mulBase(1n)
    expect(mulPoint(12345n, g)).toEqual(mulBase(12345n))
  })
  it("a signature crafted so that G' = G (OpenSSL would switch to its SM2 verifier) is decided by the fallback", () => {
    const { publicKey } = sm2GenerateKeyPair()
    const point = decodePublicKey(publicKey)
    const e = sm2MessageDigest(publicKey, Buffer.from('crafted'))
    const z = mod(big(createHash('sm3').update(Buffer.alloc(0)).digest()), N)
    const r = mod(big(randomBytes(32)), N) || 1n
    // γ = s·(r − e)/(z·(r + s)) = 1  ⇔  s = z·r / (r − e − z)
    const s = mod(z * r * invert(mod(r - big(e) - z, N), N), N)
    const t = mod(r + s, N)
    const rPrime = mod(r - big(e), N)
    expect(nativeCheck(s, t, rPrime, publicKey)).toBeUndefined()
    const expected = mod(combinedX(s, t, point)!, N) === rPrime
    expect(sm2VerifyDigest(publicKey, e, signatureRawToDer(Buffer.concat([int(r), int(s)])))).toBe(expected)
  })
  it('r = e (so r − e = 0, which ECDSA cannot express) is decided by the fallback and is false', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const e = sm2MessageDigest(publicKey, Buffer.from('m'))
    const s = big(signatureDerToRaw(sm2SignDigest(privateKey, e)).subarray(32))
    expect(sm2VerifyDigest(publicKey, e, signatureRawToDer(Buffer.concat([int(mod(big(e), N)), int(s)])))).toBe(false)
  })
})

describe('public-scalar table k·G', () => {
  it('equals the native ladder for edge scalars and 1000 random ones', () => {
    const edges = [1n, 2n, 255n, 256n, 257n, 65535n, 1n << 248n, (1n << 255n) + 12345n, N - 2n, N - 1n]
    const random = Array.from({ length: 1000 }, () => mod(big(randomBytes(32)), N) || 1n)
    for (const k of [...edges, ...random]) expect(mulBasePublic(k), `k = ${k}`).toEqual(mulBase(k))
  })
  it('rejects 0 rather than returning a point', () => {
    expect(() => mulBasePublic(0n)).toThrow(RangeError)
  })
})
