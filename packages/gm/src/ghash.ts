/**
 * GHASH (NIST SP 800-38D) with 8-bit tables: for each of the 16 byte positions a table of the 256 products
 * H·(byte at that position), so one block costs 16 lookups and 64 XORs of 32-bit words, with no reduction step
 * (linearity folds it into the tables). 64 KiB of tables per key, built in well under a millisecond.
 *
 * Timing: table lookups are indexed by data-dependent bytes (like OpenSSL's generic "4-bit" C code and unlike
 * its CLMUL path), so cache timing can in principle reveal information about H and the data to a co-located
 * attacker. JavaScript offers no carry-less multiply; this is the measured trade-off for throughput.
 */
import { ghashTable, type GhashLike } from './ghash-table.js'

/**
 * GHASH state keyed by H in plain JavaScript: the fallback when WebAssembly SIMD is missing (ghash-wasm.ts is
 * about three times faster). {@link Ghash.update} carries partial blocks; {@link Ghash.pad} zero-pads the last.
 */
export class Ghash implements GhashLike {
  /**
   * Word w (0..3, big-endian) of H·(byte v at position i) is at t[(i * 256 + v) * 4 + w]: one cache line per lookup.
   */
  readonly #t: Int32Array
  #y0 = 0
  #y1 = 0
  #y2 = 0
  #y3 = 0
  /** Bytes of an incomplete block carried between update() calls. */
  readonly #pending = new Uint8Array(16)
  #pendingLength = 0

  constructor(h: Uint8Array) {
    this.#t = ghashTable(h)
  }

  /** Absorbs `data`, carrying a trailing partial block to the next call. */
  update(data: Uint8Array): void {
    let off = 0
    if (this.#pendingLength > 0) {
      const take = Math.min(16 - this.#pendingLength, data.length)
      this.#pending.set(data.subarray(0, take), this.#pendingLength)
      this.#pendingLength += take
      off = take
      if (this.#pendingLength < 16) return
      this.#blocks(this.#pending, 0, 16)
      this.#pendingLength = 0
    }
    const whole = off + ((data.length - off) & ~15)
    this.#blocks(data, off, whole)
    if (whole < data.length) {
      this.#pending.set(data.subarray(whole), 0)
      this.#pendingLength = data.length - whole
    }
  }

  /** Absorbs a carried partial block, zero-padded to 16 bytes (GCM pads A and C separately). */
  pad(): void {
    if (this.#pendingLength === 0) return
    this.#pending.fill(0, this.#pendingLength)
    this.#blocks(this.#pending, 0, 16)
    this.#pendingLength = 0
  }

  /** Current GHASH value Y as 16 bytes. */
  digest(): Buffer {
    const out = Buffer.alloc(16)
    out.writeUInt32BE(this.#y0 >>> 0, 0)
    out.writeUInt32BE(this.#y1 >>> 0, 4)
    out.writeUInt32BE(this.#y2 >>> 0, 8)
    out.writeUInt32BE(this.#y3 >>> 0, 12)
    return out
  }

  /** Starts a new GHASH under the same H. */
  reset(): void {
    this.#pending.fill(0)
    this.#pendingLength = 0
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0
  }

  /** Zeroes the tables and state (they are derived from H). */
  clear(): void {
    this.#t.fill(0)
    this.#pending.fill(0)
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0
  }

  /** Y = (Y ⊕ X)·H for each block X in data[from, to). */
  #blocks(data: Uint8Array, from: number, to: number): void {
    const t = this.#t
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
    let y0 = this.#y0
    let y1 = this.#y1
    let y2 = this.#y2
    let y3 = this.#y3
    for (let o = from; o < to; o += 16) {
      const x0 = y0 ^ dv.getInt32(o)
      const x1 = y1 ^ dv.getInt32(o + 4)
      const x2 = y2 ^ dv.getInt32(o + 8)
      const x3 = y3 ^ dv.getInt32(o + 12)
      let i = (x0 >>> 24) << 2
      let a = t[i]!,
        b = t[i + 1]!,
        c = t[i + 2]!,
        d = t[i + 3]!
      i = (256 + ((x0 >>> 16) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (512 + ((x0 >>> 8) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (768 + (x0 & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (1024 + (x1 >>> 24)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (1280 + ((x1 >>> 16) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (1536 + ((x1 >>> 8) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (1792 + (x1 & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (2048 + (x2 >>> 24)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (2304 + ((x2 >>> 16) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (2560 + ((x2 >>> 8) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (2816 + (x2 & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (3072 + (x3 >>> 24)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (3328 + ((x3 >>> 16) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (3584 + ((x3 >>> 8) & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      i = (3840 + (x3 & 255)) << 2
      a ^= t[i]!
      b ^= t[i + 1]!
      c ^= t[i + 2]!
      d ^= t[i + 3]!
      y0 = a
      y1 = b
      y2 = c
      y3 = d
    }
    this.#y0 = y0
    this.#y1 = y1
    this.#y2 = y2
    this.#y3 = y3
  }
}
