/**
 * A deliberately plain SM4-GCM for cross-checking: block-by-block SM4-ECB from OpenSSL for the counter blocks
 * (inc32 done here, independently of sm4-ctr) and a bit-by-bit GF(2^128) multiply (SP 800-38D Algorithm 1).
 */
import { createCipheriv } from 'node:crypto'

function toBig(b: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(b).toString('hex').padStart(32, '0'))
}

function fromBig(v: bigint): Buffer {
  return Buffer.from(v.toString(16).padStart(32, '0'), 'hex')
}

const R = 0xe1n << 120n

function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n
  let v = y
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n
  }
  return z
}

function ghash(h: bigint, data: Buffer): bigint {
  let y = 0n
  for (let o = 0; o < data.length; o += 16) y = gfMul(y ^ toBig(data.subarray(o, o + 16)), h)
  return y
}

function pad16(b: Uint8Array): Buffer {
  return Buffer.concat([b, Buffer.alloc((16 - (b.length % 16)) % 16)])
}

function lengths(a: number, c: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeBigUInt64BE(BigInt(a) * 8n, 0)
  b.writeBigUInt64BE(BigInt(c) * 8n, 8)
  return b
}

function ecb(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false)
  return Buffer.concat([c.update(block), c.final()])
}

/** Reference SM4-GCM encryption with a full 16-byte tag. */
export function referenceSm4Gcm(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): { ciphertext: Buffer; tag: Buffer } {
  const h = toBig(ecb(key, Buffer.alloc(16)))
  const j0 =
    iv.length === 12
      ? Buffer.concat([iv, Buffer.of(0, 0, 0, 1)])
      : fromBig(ghash(h, Buffer.concat([pad16(iv), lengths(0, iv.length)])))
  const counter = Buffer.from(j0)
  const ciphertext = Buffer.alloc(plaintext.length)
  for (let o = 0; o < plaintext.length; o += 16) {
    counter.writeUInt32BE((counter.readUInt32BE(12) + 1) >>> 0, 12)
    const ks = ecb(key, counter)
    for (let i = 0; i < 16 && o + i < plaintext.length; i++) ciphertext[o + i] = plaintext[o + i]! ^ ks[i]!
  }
  const s = ghash(h, Buffer.concat([pad16(aad), pad16(ciphertext), lengths(aad.length, ciphertext.length)]))
  return { ciphertext, tag: fromBig(s ^ toBig(ecb(key, j0))) }
}
