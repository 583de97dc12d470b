/** The GHASH multiplication tables shared by the JavaScript and WebAssembly GHASH implementations. */

/** What SM4-GCM needs from a GHASH implementation. */
export interface GhashLike {
  /** Absorbs `data`, carrying a trailing partial block to the next call. */
  update(data: Uint8Array): void
  /** Absorbs a carried partial block, zero-padded to 16 bytes. */
  pad(): void
  /** Current GHASH value Y as 16 bytes. */
  digest(): Buffer
  /** Starts a new GHASH under the same H. */
  reset(): void
  /** Zeroes tables and state (they are derived from H). */
  clear(): void
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

function bswap(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)
}

/**
 * For each byte position i (0-15) and byte value v, H·(the block with v at position i and zeros elsewhere), as
 * four big-endian 32-bit words at index ((i * 256 + v) * 4 + w). GHASH of a block X is then the XOR over i of
 * the entries (i, X[i]): multiplication by H is linear, so no reduction step remains.
 *
 * Written into `out` (16384 words) when given. With `byteSwapped`, every word is stored byte-swapped, so that a
 * little-endian memory (WebAssembly) holds each entry as its 16 big-endian bytes; byte swapping commutes with
 * XOR, so the table is built the same way.
 */
export function ghashTable(h: Uint8Array, out?: Int32Array, byteSwapped = false): Int32Array {
  const T = out ?? new Int32Array(16384)
  const store = byteSwapped ? bswap : (x: number): number => x
  // H·x^j for j = 0..127; multiplying by x is a right shift in GCM's reflected bit order.
  let a = readU32(h, 0)
  let b = readU32(h, 4)
  let c = readU32(h, 8)
  let d = readU32(h, 12)
  for (let j = 0; j < 128; j++) {
    const at = ((j >>> 3) * 256 + (0x80 >>> (j & 7))) * 4
    T[at] = store(a)
    T[at + 1] = store(b)
    T[at + 2] = store(c)
    T[at + 3] = store(d)
    const carry = d & 1
    d = (d >>> 1) | (c << 31)
    c = (c >>> 1) | (b << 31)
    b = (b >>> 1) | (a << 31)
    a = (a >>> 1) ^ (carry ? 0xe1000000 : 0)
  }
  for (let i = 0; i < 16; i++) {
    const base = i * 256
    T.fill(0, base * 4, base * 4 + 4)
    for (let v = 3; v < 256; v++) {
      const low = v & -v
      if (low === v) continue
      const x = (base + (v ^ low)) * 4
      const y = (base + low) * 4
      for (let w = 0; w < 4; w++) T[(base + v) * 4 + w] = T[x + w]! ^ T[y + w]!
    }
  }
  return T
}
