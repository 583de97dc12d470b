import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { codeOf, hexField, loadWycheproof } from '@keyward/test-support'
import {
  createSm4GcmCipher,
  createSm4GcmDecipher,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  type GcmCipherLike,
  type GcmDecipherLike,
} from '@keyward/gm'
import { referenceSm4Gcm } from './sm4-gcm-reference.js'

/** Runs `data` through a stream in chunks of `size` bytes. */
function streamed(stream: { update(d: Uint8Array): Buffer; final(): Buffer }, data: Buffer, size: number): Buffer {
  const parts: Buffer[] = []
  for (let o = 0; o < data.length; o += size) parts.push(stream.update(data.subarray(o, o + size)))
  parts.push(stream.final())
  return Buffer.concat(parts)
}

describe('SM4-GCM against Wycheproof sm4_gcm_test.json', () => {
  const file = loadWycheproof('sm4_gcm_test.json')
  const tests = file.testGroups.flatMap((g) => g.tests)

  it(`one-shot: all ${file.numberOfTests} vectors — valid give exact output both ways, invalid are rejected`, async () => {
    let checked = 0
    for (const t of tests) {
      const [key, iv, aad, msg, ct, tag] = ['key', 'iv', 'aad', 'msg', 'ct', 'tag'].map((f) =>
        hexField(t, f),
      ) as Buffer[]
      if (t.result === 'valid') {
        const out = sm4GcmEncrypt(key!, iv!, msg!, aad!)
        expect(out.ciphertext.toString('hex'), `tcId ${t.tcId}`).toBe(ct!.toString('hex'))
        expect(out.tag.toString('hex'), `tcId ${t.tcId}`).toBe(tag!.toString('hex'))
        expect(sm4GcmDecrypt(key!, iv!, ct!, aad!, tag!).equals(msg!), `tcId ${t.tcId}`).toBe(true)
      } else {
        // Invalid vectors are modified tags (decryption must fail) or empty IVs (GCM forbids them).
        const expected = iv!.length === 0 ? 'InvalidParameterValue' : 'InvalidParameterValue.InvalidCiphertext'
        expect(await codeOf(() => sm4GcmDecrypt(key!, iv!, ct!, aad!, tag!)), `tcId ${t.tcId}`).toBe(expected)
      }
      checked++
    }
    expect(checked).toBe(104)
  })

  it('streaming in odd chunk sizes matches every valid vector, including the counter-wrap ones', () => {
    const wraps = tests.filter((t) => t.flags.includes('CounterWrap'))
    expect(wraps.length).toBeGreaterThan(0)
    for (const t of tests.filter((x) => x.result === 'valid')) {
      const [key, iv, aad, msg, ct, tag] = ['key', 'iv', 'aad', 'msg', 'ct', 'tag'].map((f) =>
        hexField(t, f),
      ) as Buffer[]
      for (const size of [1, 7, 16, 33]) {
        const c = createSm4GcmCipher(key!, iv!).setAAD(aad!)
        expect(streamed(c, msg!, size).equals(ct!), `tcId ${t.tcId} chunk ${size}`).toBe(true)
        expect(c.getAuthTag().equals(tag!)).toBe(true)
        const d = createSm4GcmDecipher(key!, iv!).setAAD(aad!).setAuthTag(tag!)
        expect(streamed(d, ct!, size).equals(msg!), `tcId ${t.tcId} chunk ${size}`).toBe(true)
      }
    }
  })
})

describe('SM4-GCM against a plain reference (inc32 and GHASH done independently)', () => {
  it('agrees on random keys, IV lengths, AAD and message lengths', () => {
    for (let i = 0; i < 60; i++) {
      const key = randomBytes(16)
      const iv = randomBytes(i % 3 === 0 ? 12 : 1 + ((i * 7) % 40))
      const aad = randomBytes((i * 13) % 50)
      const msg = randomBytes((i * 37) % 300)
      const ref = referenceSm4Gcm(key, iv, msg, aad)
      const ours = sm4GcmEncrypt(key, iv, msg, aad)
      expect(ours.ciphertext.equals(ref.ciphertext), `case ${i}`).toBe(true)
      expect(ours.tag.equals(ref.tag), `case ${i}`).toBe(true)
    }
  })
  it('streams a 1 MiB message in uneven pieces with AAD given in parts', () => {
    const key = randomBytes(16)
    const iv = randomBytes(12)
    const msg = randomBytes(1 << 20)
    const one = sm4GcmEncrypt(key, iv, msg, Buffer.from('header-part-1header-part-2'))
    const c = createSm4GcmCipher(key, iv)
    c.setAAD(Buffer.from('header-part-1')).setAAD(Buffer.from('header-part-2'))
    expect(streamed(c, msg, 100_003).equals(one.ciphertext)).toBe(true)
    expect(c.getAuthTag().equals(one.tag)).toBe(true)
  })
})

describe('SM4-GCM rejects what GCM forbids and every alteration', () => {
  const key = randomBytes(16)
  const iv = randomBytes(12)
  const aad = Buffer.from('context')
  const msg = Buffer.from('attack at dawn, bring sm4')
  const { ciphertext, tag } = sm4GcmEncrypt(key, iv, msg, aad)

  it('a flipped bit anywhere in ciphertext, AAD, tag or IV fails with the one decryption error', async () => {
    const flip = (b: Buffer, i: number): Buffer => {
      const c = Buffer.from(b)
      c[i]! ^= 1
      return c
    }
    for (let i = 0; i < ciphertext.length; i++)
      expect(await codeOf(() => sm4GcmDecrypt(key, iv, flip(ciphertext, i), aad, tag))).toBe(
        'InvalidParameterValue.InvalidCiphertext',
      )
    for (let i = 0; i < 16; i++)
      expect(await codeOf(() => sm4GcmDecrypt(key, iv, ciphertext, aad, flip(tag, i)))).toBe(
        'InvalidParameterValue.InvalidCiphertext',
      )
    expect(await codeOf(() => sm4GcmDecrypt(key, iv, ciphertext, flip(aad, 0), tag))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(() => sm4GcmDecrypt(key, flip(iv, 11), ciphertext, aad, tag))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(() => sm4GcmDecrypt(key, iv, ciphertext.subarray(1), aad, tag))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(() => sm4GcmDecrypt(key, iv, ciphertext, aad, tag.subarray(0, 12)))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })
  it('the streaming decipher fails at final() on a bad tag', async () => {
    const bad = Buffer.from(tag)
    bad[0]! ^= 0x80
    const d = createSm4GcmDecipher(key, iv).setAAD(aad).setAuthTag(bad)
    d.update(ciphertext)
    expect(await codeOf(() => d.final())).toBe('InvalidParameterValue.InvalidCiphertext')
  })
  it('bad key, empty IV, bad tag length and misuse are KeywardErrors', async () => {
    expect(await codeOf(() => sm4GcmEncrypt(randomBytes(32), iv, msg))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm4GcmEncrypt(key, Buffer.alloc(0), msg))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm4GcmEncrypt(key, iv, 'text' as unknown as Uint8Array))).toBe('InvalidParameter')
    expect(await codeOf(() => createSm4GcmCipher(key, iv, { authTagLength: 8 }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => createSm4GcmDecipher(key, iv).setAuthTag(tag.subarray(0, 15)))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => createSm4GcmDecipher(key, iv).final())).toBe('MissingParameter')
    const c = createSm4GcmCipher(key, iv)
    expect(await codeOf(() => c.getAuthTag())).toBe('InvalidParameter')
    c.update(msg)
    expect(await codeOf(() => c.setAAD(aad))).toBe('InvalidParameter')
    c.final()
    expect(await codeOf(() => c.update(msg))).toBe('InvalidParameter')
  })
  it('a 12-byte tag is the prefix of the full tag, and only 12 bytes are then accepted', () => {
    const c = createSm4GcmCipher(key, iv, { authTagLength: 12 }).setAAD(aad)
    c.update(msg)
    c.final()
    expect(c.getAuthTag().equals(tag.subarray(0, 12))).toBe(true)
    const d = createSm4GcmDecipher(key, iv, { authTagLength: 12 }).setAAD(aad).setAuthTag(tag.subarray(0, 12))
    expect(Buffer.concat([d.update(ciphertext), d.final()]).equals(msg)).toBe(true)
  })
  it('is interchangeable with Node AES-GCM streams through GcmCipherLike/GcmDecipherLike', () => {
    const aesKey = randomBytes(32)
    const pairs: Array<[GcmCipherLike, () => GcmDecipherLike]> = [
      [createCipheriv('aes-256-gcm', aesKey, iv), () => createDecipheriv('aes-256-gcm', aesKey, iv)],
      [createSm4GcmCipher(key, iv), () => createSm4GcmDecipher(key, iv)],
    ]
    for (const [c, makeDecipher] of pairs) {
      c.setAAD(aad)
      const ct = Buffer.concat([c.update(msg), c.final()])
      const d = makeDecipher().setAAD(aad).setAuthTag(c.getAuthTag())
      expect(Buffer.concat([d.update(ct), d.final()]).equals(msg)).toBe(true)
    }
  })
})
