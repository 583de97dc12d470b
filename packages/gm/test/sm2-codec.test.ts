import { describe, expect, it } from 'vitest'
import {
  convertSm2Ciphertext,
  detectSm2CiphertextForm,
  signatureDerToRaw,
  signatureRawToDer,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2Sign,
  type Sm2CiphertextForm,
} from '@keyward/gm'
import { createSign, generateKeyPairSync, createVerify } from 'node:crypto'
import { codeOf } from '@keyward/test-support'

const { privateKey, publicKey } = sm2GenerateKeyPair()
const FORMS: Sm2CiphertextForm[] = [
  { order: 'C1C3C2', encoding: 'asn1' },
  { order: 'C1C2C3', encoding: 'asn1' },
  { order: 'C1C3C2', encoding: 'raw', prefix: true },
  { order: 'C1C3C2', encoding: 'raw', prefix: false },
  { order: 'C1C2C3', encoding: 'raw', prefix: true },
  { order: 'C1C2C3', encoding: 'raw', prefix: false },
]

describe('SM2 ciphertext conversion', () => {
  const msg = Buffer.from('a message that is not 32 bytes long')
  const asn1 = sm2Encrypt(publicKey, msg)

  it('converts between all six forms and back without loss', () => {
    for (const a of FORMS) {
      const inA = convertSm2Ciphertext(asn1, a)
      for (const b of FORMS) {
        const inB = convertSm2Ciphertext(inA, b, a)
        expect(
          convertSm2Ciphertext(inB, FORMS[0]!, b).equals(asn1),
          `${JSON.stringify(a)} → ${JSON.stringify(b)}`,
        ).toBe(true)
      }
    }
    expect(sm2Decrypt(privateKey, convertSm2Ciphertext(asn1, FORMS[2]!)).equals(msg)).toBe(true)
  })
  it('lays out raw forms as documented', () => {
    const c1c3c2 = convertSm2Ciphertext(asn1, FORMS[2]!)
    const c1c2c3 = convertSm2Ciphertext(asn1, FORMS[4]!)
    expect(c1c3c2.length).toBe(1 + 64 + 32 + msg.length)
    expect(c1c3c2.subarray(0, 65).equals(c1c2c3.subarray(0, 65))).toBe(true)
    expect(c1c3c2.subarray(65, 97).equals(c1c2c3.subarray(c1c2c3.length - 32))).toBe(true)
    expect(convertSm2Ciphertext(asn1, FORMS[3]!).equals(c1c3c2.subarray(1))).toBe(true)
  })
  it('detects ASN.1 order and raw prefix where the bytes decide them', () => {
    expect(detectSm2CiphertextForm(asn1)).toEqual({ order: 'C1C3C2', encoding: 'asn1' })
    expect(detectSm2CiphertextForm(convertSm2Ciphertext(asn1, FORMS[1]!))).toEqual({
      order: 'C1C2C3',
      encoding: 'asn1',
    })
    expect(detectSm2CiphertextForm(convertSm2Ciphertext(asn1, FORMS[3]!), { order: 'C1C3C2' })).toEqual(FORMS[3])
    expect(detectSm2CiphertextForm(convertSm2Ciphertext(asn1, FORMS[4]!), { order: 'C1C2C3' })).toEqual(FORMS[4])
  })
  it('refuses to guess: raw order, ASN.1 of a 32-byte message, contradicting hints', async () => {
    expect(await codeOf(() => detectSm2CiphertextForm(convertSm2Ciphertext(asn1, FORMS[2]!)))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => detectSm2CiphertextForm(convertSm2Ciphertext(asn1, FORMS[3]!)))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => convertSm2Ciphertext(convertSm2Ciphertext(asn1, FORMS[3]!), FORMS[0]!))).toBe(
      'InvalidParameterValue',
    )
    const ct32 = sm2Encrypt(publicKey, Buffer.alloc(32, 7))
    expect(await codeOf(() => detectSm2CiphertextForm(ct32))).toBe('InvalidParameterValue')
    expect(detectSm2CiphertextForm(ct32, { order: 'C1C3C2' })).toEqual(FORMS[0])
    expect(await codeOf(() => detectSm2CiphertextForm(asn1, { order: 'C1C2C3' }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => detectSm2CiphertextForm(asn1, { encoding: 'raw' }))).toBe('InvalidParameterValue')
  })
  it('rejects C1 off the curve, garbage and bad forms', async () => {
    const raw = convertSm2Ciphertext(asn1, FORMS[2]!)
    raw[10]! ^= 1
    expect(await codeOf(() => convertSm2Ciphertext(raw, FORMS[0]!, FORMS[2]!))).toBe('InvalidParameterValue')
    expect(await codeOf(() => detectSm2CiphertextForm(Buffer.alloc(200, 0x30)))).toBe('InvalidParameterValue')
    expect(
      await codeOf(() =>
        convertSm2Ciphertext(asn1, { order: 'C3C2C1', encoding: 'asn1' } as unknown as Sm2CiphertextForm),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(() => convertSm2Ciphertext(asn1.subarray(0, 50), FORMS[2]!, FORMS[0]!))).toBe(
      'InvalidParameterValue',
    )
  })
})

describe('signature DER ↔ raw r‖s', () => {
  it('round-trips SM2 signatures, including small r or s that need padding', () => {
    for (let i = 0; i < 50; i++) {
      const der = sm2Sign(privateKey, Buffer.from([i]))
      const raw = signatureDerToRaw(der, 32)
      expect(raw.length).toBe(64)
      expect(signatureRawToDer(raw).equals(der)).toBe(true)
    }
    const small = signatureRawToDer(
      Buffer.concat([Buffer.alloc(31), Buffer.of(5), Buffer.alloc(1), Buffer.alloc(31, 0xff)]),
    )
    expect(small.toString('hex')).toBe('3025020105022000' + 'ff'.repeat(31))
    expect(
      signatureDerToRaw(small, 32).equals(
        Buffer.concat([Buffer.alloc(31), Buffer.of(5), Buffer.alloc(1), Buffer.alloc(31, 0xff)]),
      ),
    ).toBe(true)
  })
  it('converts ECDSA P-256 signatures that Node verifies in P1363 form', () => {
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    for (let i = 0; i < 20; i++) {
      const der = createSign('sha256').update(`m${i}`).sign(kp.privateKey)
      const raw = signatureDerToRaw(der, 32)
      expect(createVerify('sha256').update(`m${i}`).verify({ key: kp.publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(
        true,
      )
      expect(signatureRawToDer(raw).equals(der)).toBe(true)
    }
  })
  it('rejects malformed input with InvalidParameterValue', async () => {
    expect(await codeOf(() => signatureDerToRaw(Buffer.from('300602010102', 'hex')))).toBe('InvalidParameterValue')
    expect(await codeOf(() => signatureDerToRaw(Buffer.from('3006020101020101ff', 'hex')))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => signatureDerToRaw(Buffer.from('30070202000102010a', 'hex')))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => signatureDerToRaw(signatureRawToDer(Buffer.alloc(66, 0xff)), 32))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => signatureRawToDer(Buffer.alloc(63)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => signatureRawToDer('ab' as unknown as Uint8Array))).toBe('InvalidParameter')
  })
})
