import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import smCrypto from 'sm-crypto'
import { convertSm2Ciphertext, sm2Decrypt, sm2Encrypt, sm2GenerateKeyPair, type Sm2CiphertextForm } from '@keyward/gm'
import { codeOf } from '@keyward/test-support'

const { sm2 } = smCrypto
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const SM_CRYPTO_MODE1: Sm2CiphertextForm = { order: 'C1C3C2', encoding: 'raw', prefix: false }
const SM_CRYPTO_MODE0: Sm2CiphertextForm = { order: 'C1C2C3', encoding: 'raw', prefix: false }
const ASN1: Sm2CiphertextForm = { order: 'C1C3C2', encoding: 'asn1' }

describe('SM2 encryption interop with sm-crypto', () => {
  it('sm-crypto decrypts ours (mode 1 and mode 0 after conversion) and we decrypt theirs', () => {
    for (let i = 0; i < 25; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair()
      const msg = randomBytes(1 + ((i * 29) % 200))
      const ours = sm2Encrypt(publicKey, msg)
      const mode1 = convertSm2Ciphertext(ours, SM_CRYPTO_MODE1)
      expect(sm2.doDecrypt(hex(mode1), hex(privateKey), 1, { output: 'array' }) as unknown as number[]).toEqual(
        Array.from(msg),
      )
      const mode0 = convertSm2Ciphertext(ours, SM_CRYPTO_MODE0)
      expect(sm2.doDecrypt(hex(mode0), hex(privateKey), 0, { output: 'array' }) as unknown as number[]).toEqual(
        Array.from(msg),
      )
      const theirs = Buffer.from(sm2.doEncrypt(Array.from(msg), hex(publicKey), 1), 'hex')
      expect(sm2Decrypt(privateKey, convertSm2Ciphertext(theirs, ASN1, SM_CRYPTO_MODE1)).equals(msg)).toBe(true)
      expect(sm2Decrypt(privateKey, Buffer.concat([Buffer.of(4), theirs])).equals(msg), 'raw 04‖C1‖C3‖C2').toBe(true)
    }
  })
})

describe('SM2 decryption failures are all the one decryption error', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  const msg = Buffer.from('the data key')
  const ct = sm2Encrypt(publicKey, msg)

  it('round-trips 1 byte to 4 KiB and each encryption differs', () => {
    for (const len of [1, 32, 4096]) {
      const m = randomBytes(len)
      const a = sm2Encrypt(publicKey, m)
      expect(sm2Decrypt(privateKey, a).equals(m)).toBe(true)
      expect(sm2Encrypt(publicKey, m).equals(a)).toBe(false)
    }
  })
  it('any flipped byte, truncation, wrong key or garbage gives InvalidCiphertext with the fixed message', async () => {
    const failures: Uint8Array[] = []
    for (let i = 0; i < ct.length; i++) {
      const c = Buffer.from(ct)
      c[i]! ^= 0x01
      failures.push(c)
    }
    failures.push(
      ct.subarray(0, ct.length - 1),
      Buffer.concat([ct, Buffer.of(0)]),
      Buffer.alloc(0),
      randomBytes(120),
      Buffer.alloc(110, 4),
    )
    for (const [i, c] of failures.entries()) {
      let err: unknown
      try {
        sm2Decrypt(privateKey, c)
      } catch (e) {
        err = e
      }
      expect((err as { code?: string })?.code, `case ${i}`).toBe('InvalidParameterValue.InvalidCiphertext')
      expect((err as Error).message).toMatch(/^Decryption failed/)
    }
    expect(await codeOf(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, ct))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })
  it('bad keys and empty plaintext are parameter errors', async () => {
    expect(await codeOf(() => sm2Encrypt(publicKey, Buffer.alloc(0)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Encrypt(Buffer.alloc(65, 4), msg))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Decrypt(Buffer.alloc(32), ct))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Decrypt(privateKey, 'ct' as unknown as Uint8Array))).toBe('InvalidParameter')
  })
})
