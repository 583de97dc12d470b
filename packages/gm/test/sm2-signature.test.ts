import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import smCrypto from 'sm-crypto'
import {
  signatureDerToRaw,
  signatureRawToDer,
  sm2GenerateKeyPair,
  sm2MessageDigest,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignDigest,
  sm2Verify,
  sm2VerifyDigest,
  sm2Za,
} from '@keyward/gm'
import { codeOf } from '@keyward/test-support'

const { sm2 } = smCrypto
/** Pairs cross-checked each way; raise with KEYWARD_GM_CROSSCHECK for a longer run. */
const PAIRS = Number(process.env['KEYWARD_GM_CROSSCHECK'] ?? 100)
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const int = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex')

describe('SM2DSA known answer (GB/T 32918.5 Annex A, user id 1234567812345678)', () => {
  const d = Buffer.from('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8', 'hex')
  const pub = sm2PublicKeyFromPrivate(d)
  it('derives the public key, Z and e of the standard', () => {
    expect(hex(pub)).toBe(
      '04' +
        '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
        'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
    )
    expect(hex(sm2Za(pub))).toBe('b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3')
    expect(hex(sm2MessageDigest(pub, Buffer.from('message digest')))).toBe(
      'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
    )
  })
  it('verifies the standard signature and rejects it for another message', () => {
    const sig = signatureRawToDer(
      Buffer.from(
        'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3' +
          'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
        'hex',
      ),
    )
    expect(sm2Verify(pub, Buffer.from('message digest'), sig)).toBe(true)
    expect(sm2Verify(pub, Buffer.from('message digesT'), sig)).toBe(false)
    expect(sm2Verify(pub, Buffer.from('message digest'), sig, { userId: 'ALICE123@YAHOO.COM' })).toBe(false)
  })
})

describe(`SM2DSA cross-checked with sm-crypto (${PAIRS} random pairs each way)`, () => {
  it(
    'sm-crypto verifies ours; ours verifies sm-crypto; both reject altered messages',
    async () => {
      for (let i = 0; i < PAIRS; i++) {
        // Long synchronous loops starve vitest's worker RPC; yield now and then.
        if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve))
        const { privateKey, publicKey } = sm2GenerateKeyPair()
        const msg = randomBytes(i % 100)
        const ours = sm2Sign(privateKey, msg, { publicKey })
        expect(
          sm2.doVerifySignature(Array.from(msg), hex(ours), hex(publicKey), { hash: true, der: true }),
          `ours #${i}`,
        ).toBe(true)
        const theirs = Buffer.from(
          sm2.doSignature(Array.from(msg), hex(privateKey), { hash: true, der: true, publicKey: hex(publicKey) }),
          'hex',
        )
        expect(sm2Verify(publicKey, msg, theirs), `theirs #${i}`).toBe(true)
        const other = Buffer.concat([msg, Buffer.of(i & 0xff)])
        expect(sm2Verify(publicKey, other, theirs), `altered #${i}`).toBe(false)
        if (i % 10 === 0)
          expect(sm2.doVerifySignature(Array.from(other), hex(ours), hex(publicKey), { hash: true, der: true })).toBe(
            false,
          )
      }
    },
    60_000 + PAIRS * 500,
  )
  it('sign/verify of a digest and of a message agree, and sm2Sign derives the public key when not given', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const msg = Buffer.from('abc')
    const e = sm2MessageDigest(publicKey, msg)
    expect(sm2VerifyDigest(publicKey, e, sm2Sign(privateKey, msg))).toBe(true)
    expect(sm2Verify(publicKey, msg, sm2SignDigest(privateKey, e))).toBe(true)
    expect(
      sm2.doVerifySignature(Array.from(e), hex(sm2SignDigest(privateKey, e)), hex(publicKey), {
        hash: false,
        der: true,
      }),
    ).toBe(true)
  })
  it('custom user ids agree with sm-crypto', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair()
    const msg = Buffer.from('with an id')
    const sig = sm2Sign(privateKey, msg, { userId: 'ALICE123@YAHOO.COM' })
    expect(
      sm2.doVerifySignature(Array.from(msg), hex(sig), hex(publicKey), {
        hash: true,
        der: true,
        userId: 'ALICE123@YAHOO.COM',
      }),
    ).toBe(true)
    expect(sm2Verify(publicKey, msg, sig)).toBe(false)
    expect(sm2Verify(publicKey, msg, sig, { userId: 'ALICE123@YAHOO.COM' })).toBe(true)
  })
})

describe('SM2DSA: invalid signatures give false, bad keys throw', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  const msg = Buffer.from('payload')
  const sig = sm2Sign(privateKey, msg)
  const raw = signatureDerToRaw(sig, 32)
  const r = BigInt('0x' + hex(raw.subarray(0, 32)))
  const s = BigInt('0x' + hex(raw.subarray(32)))
  const der = (rv: bigint, sv: bigint): Buffer => signatureRawToDer(Buffer.concat([int(rv), int(sv)]))

  it('r or s outside [1, n-1], r+s = n, bad DER, trailing bytes and non-bytes are false, never a throw', () => {
    const bad: unknown[] = [
      der(0n, s),
      der(r, 0n),
      der(N, s),
      der(r, N),
      der(r + N, s),
      der(r, N - r),
      sig.subarray(0, sig.length - 1),
      Buffer.concat([sig, Buffer.of(0)]),
      raw,
      Buffer.alloc(0),
      Buffer.alloc(72, 0x30),
      Buffer.from('3006020100020100', 'hex'),
      Buffer.from('30070201010202' + '0001', 'hex'),
      'not bytes',
      null,
    ]
    for (const [i, b] of bad.entries()) expect(sm2Verify(publicKey, msg, b as Uint8Array), `case ${i}`).toBe(false)
  })
  it('every single-bit flip of a valid signature is rejected', () => {
    for (let i = 0; i < sig.length * 8; i += 3) {
      const c = Buffer.from(sig)
      c[i >> 3]! ^= 1 << (i & 7)
      expect(sm2Verify(publicKey, msg, c), `bit ${i}`).toBe(false)
    }
  })
  it('a public key off the curve, of the wrong size or infinity is a KeywardError', async () => {
    const off = Buffer.from(publicKey)
    off[64]! ^= 1
    expect(await codeOf(() => sm2Verify(off, msg, sig))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Verify(publicKey.subarray(1), msg, sig))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Verify(Buffer.alloc(65), msg, sig))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2VerifyDigest(publicKey, Buffer.alloc(31), sig))).toBe('InvalidParameterValue')
  })
  it('private keys outside [1, n-2] and digests that are not 32 bytes are KeywardErrors', async () => {
    expect(await codeOf(() => sm2SignDigest(Buffer.alloc(32), Buffer.alloc(32)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2SignDigest(int(N - 1n), Buffer.alloc(32)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2SignDigest(Buffer.alloc(31, 1), Buffer.alloc(32)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2SignDigest(privateKey, Buffer.alloc(33)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => sm2Sign(privateKey, msg, { userId: 'x'.repeat(8192) }))).toBe('InvalidParameterValue')
  })
  it('edge scalars: private keys 1 and n-2 sign and verify', () => {
    for (const d of [1n, 2n, N - 2n]) {
      const priv = int(d)
      const pub = sm2PublicKeyFromPrivate(priv)
      const sg = sm2Sign(priv, msg)
      expect(sm2Verify(pub, msg, sg)).toBe(true)
      expect(sm2.doVerifySignature(Array.from(msg), hex(sg), hex(pub), { hash: true, der: true })).toBe(true)
    }
  })
})
