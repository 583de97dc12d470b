import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  derToPem,
  pemToDer,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToSpki,
} from '@keyward/gm'
import { codeOf } from '@keyward/test-support'

describe('SM2 key pairs and encodings', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair()

  it('generates 32-byte private keys whose public key is d·G', () => {
    expect(privateKey.length).toBe(32)
    expect(publicKey.length).toBe(65)
    expect(sm2PublicKeyFromPrivate(privateKey).equals(publicKey)).toBe(true)
    expect(sm2GenerateKeyPair().privateKey.equals(privateKey)).toBe(false)
  })
  it('SPKI and PKCS#8 round-trip, and Node reads both as SM2-curve EC keys', () => {
    const spki = sm2PublicKeyToSpki(publicKey)
    expect(spki.subarray(0, 27).toString('hex')).toBe('3059301306072a8648ce3d020106082a811ccf5501822d03420004')
    expect(sm2PublicKeyFromSpki(spki).equals(publicKey)).toBe(true)
    const pkcs8 = sm2PrivateKeyToPkcs8(privateKey, publicKey)
    const back = sm2PrivateKeyFromPkcs8(pkcs8)
    expect(back.privateKey.equals(privateKey) && back.publicKey.equals(publicKey)).toBe(true)
    const node = generateKeyPairSync('ec', { namedCurve: 'SM2' })
    const nodePair = sm2PrivateKeyFromPkcs8(node.privateKey.export({ type: 'pkcs8', format: 'der' }))
    expect(
      sm2PublicKeyFromSpki(node.publicKey.export({ type: 'spki', format: 'der' })).equals(nodePair.publicKey),
    ).toBe(true)
  })
  it('PEM armour round-trips and is strict', async () => {
    const pem = derToPem(sm2PublicKeyToSpki(publicKey), 'PUBLIC KEY')
    expect(pem.split('\n')[1]!.length).toBe(64)
    expect(pemToDer(pem, 'PUBLIC KEY').equals(sm2PublicKeyToSpki(publicKey))).toBe(true)
    expect(await codeOf(() => pemToDer(pem, 'PRIVATE KEY'))).toBe('InvalidParameterValue')
    expect(await codeOf(() => pemToDer(pem.replace('END PUBLIC', 'END PRIVATE')))).toBe('InvalidParameterValue')
    expect(await codeOf(() => pemToDer(pem.replace('M', '*')))).toBe('InvalidParameterValue')
    expect(await codeOf(() => derToPem(Buffer.alloc(3), 'bad label'))).toBe('InvalidParameterValue')
  })
  it('rejects other curves, off-curve points, truncation and mismatched key pairs', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(await codeOf(() => sm2PublicKeyFromSpki(p256.publicKey.export({ type: 'spki', format: 'der' })))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => sm2PrivateKeyFromPkcs8(p256.privateKey.export({ type: 'pkcs8', format: 'der' })))).toBe(
      'InvalidParameterValue',
    )
    const spki = sm2PublicKeyToSpki(publicKey)
    const off = Buffer.from(spki)
    off[off.length - 1]! ^= 1
    expect(await codeOf(() => sm2PublicKeyFromSpki(off))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2PublicKeyFromSpki(spki.subarray(0, 40)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2PublicKeyFromSpki(Buffer.concat([spki, Buffer.of(0)])))).toBe('InvalidParameterValue')
    const other = sm2GenerateKeyPair()
    expect(await codeOf(() => sm2PrivateKeyToPkcs8(privateKey, Buffer.alloc(65)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2PrivateKeyFromPkcs8(sm2PrivateKeyToPkcs8(privateKey, other.publicKey)))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => sm2PublicKeyFromPrivate(Buffer.alloc(32, 0xff)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2PublicKeyToSpki('04' as unknown as Uint8Array))).toBe('InvalidParameter')
  })
})

describe('SM2 key pairs never print the private key', () => {
  it('JSON and util.inspect show [REDACTED], destructuring still works', async () => {
    const { inspect } = await import('node:util')
    const pair = sm2GenerateKeyPair()
    const hexKey = pair.privateKey.toString('hex')
    const fromPkcs8 = sm2PrivateKeyFromPkcs8(sm2PrivateKeyToPkcs8(pair.privateKey, pair.publicKey))
    for (const p of [pair, fromPkcs8]) {
      expect(JSON.stringify(p)).toContain('[REDACTED]')
      expect(JSON.stringify(p)).not.toContain(hexKey)
      expect(inspect(p)).toContain('[REDACTED]')
      expect(inspect(p, { depth: 5 })).not.toMatch(/<Buffer/)
      expect(Object.keys(p)).toEqual(['privateKey', 'publicKey'])
    }
    const { privateKey } = pair
    expect(privateKey.length).toBe(32)
  })
})
