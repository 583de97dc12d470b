/**
 * GHASH (NIST SP 800-38D) with 8-bit tables: for each of the 16 byte positions a table of the 256 products
 * H·(byte at that position), so one block costs 16 lookups and 64 XORs of 32-bit words, with no reduction step
 * (linearity folds it into the tables). 64 KiB of tables per key, built in about a millisecond's fraction.
 *
 * Timing: table lookups are indexed by data-dependent bytes (like OpenSSL's generic "4-bit" C code and unlike
 * its CLMUL path), so cache timing can in principle reveal information about H and the data to a co-located
 * attacker. JavaScript offers no carry-less multiply; this is the measured trade-off for throughput.
 */

/** GHASH state keyed by H. Feed whole 16-byte blocks; {@link Ghash.updatePadded} zero-pads a final partial one. */
export class Ghash {
  /** Word w (0..3, big-endian) of H·(byte v at position i) is at t[w][i * 256 + v]. */
  readonly #t0: Uint32Array
  readonly #t1: Uint32Array
  readonly #t2: Uint32Array
  readonly #t3: Uint32Array
  #y0 = 0
  #y1 = 0
  #y2 = 0
  #y3 = 0
  /** Bytes of an incomplete block carried between update() calls. */
  readonly #pending = new Uint8Array(16)
  #pendingLength = 0

  constructor(h: Uint8Array) {
    this.#t0 = new Uint32Array(4096)
    this.#t1 = new Uint32Array(4096)
    this.#t2 = new Uint32Array(4096)
    this.#t3 = new Uint32Array(4096)
    // H·x^j for j = 0..127; multiplying by x is a right shift in GCM's reflected bit order.
    let a = readU32(h, 0)
    let b = readU32(h, 4)
    let c = readU32(h, 8)
    let d = readU32(h, 12)
    for (let j = 0; j < 128; j++) {
      const i = j >>> 3
      const v = 0x80 >>> (j & 7)
      const at = i * 256 + v
      this.#t0[at] = a
      this.#t1[at] = b
      this.#t2[at] = c
      this.#t3[at] = d
      const carry = d & 1
      d = (d >>> 1) | (c << 31)
      c = (c >>> 1) | (b << 31)
      b = (b >>> 1) | (a << 31)
      a = (a >>> 1) ^ (carry ? 0xe1000000 : 0)
    }
    for (let i = 0; i < 16; i++) {
      const base = i * 256
      for (let v = 3; v < 256; v++) {
        const low = v & -v
        if (low === v) continue
        const x = base + (v ^ low)
        const y = base + low
        this.#t0[base + v] = this.#t0[x]! ^ this.#t0[y]!
        this.#t1[base + v] = this.#t1[x]! ^ this.#t1[y]!
        this.#t2[base + v] = this.#t2[x]! ^ this.#t2[y]!
        this.#t3[base + v] = this.#t3[x]! ^ this.#t3[y]!
      }
    }
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
    this.#t0.fill(0)
    this.#t1.fill(0)
    this.#t2.fill(0)
    this.#t3.fill(0)
    this.#pending.fill(0)
    this.#y0 = this.#y1 = this.#y2 = this.#y3 = 0
  }

  /** Y = (Y ⊕ X)·H for each block X in data[from, to). */
  #blocks(data: Uint8Array, from: number, to: number): void {
    const t0 = this.#t0
    const t1 = this.#t1
    const t2 = this.#t2
    const t3 = this.#t3
    let y0 = this.#y0
    let y1 = this.#y1
    let y2 = this.#y2
    let y3 = this.#y3
    for (let o = from; o < to; o += 16) {
      const x0 = y0 ^ ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!)
      const x1 = y1 ^ ((data[o + 4]! << 24) | (data[o + 5]! << 16) | (data[o + 6]! << 8) | data[o + 7]!)
      const x2 = y2 ^ ((data[o + 8]! << 24) | (data[o + 9]! << 16) | (data[o + 10]! << 8) | data[o + 11]!)
      const x3 = y3 ^ ((data[o + 12]! << 24) | (data[o + 13]! << 16) | (data[o + 14]! << 8) | data[o + 15]!)
      let i = x0 >>> 24
      let a = t0[i]!, b = t1[i]!, c = t2[i]!, d = t3[i]!
      i = 256 + ((x0 >>> 16) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 512 + ((x0 >>> 8) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 768 + (x0 & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 1024 + (x1 >>> 24); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 1280 + ((x1 >>> 16) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 1536 + ((x1 >>> 8) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 1792 + (x1 & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 2048 + (x2 >>> 24); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 2304 + ((x2 >>> 16) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 2560 + ((x2 >>> 8) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 2816 + (x2 & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 3072 + (x3 >>> 24); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 3328 + ((x3 >>> 16) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 3584 + ((x3 >>> 8) & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
      i = 3840 + (x3 & 255); a ^= t0[i]!; b ^= t1[i]!; c ^= t2[i]!; d ^= t3[i]!
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

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}
