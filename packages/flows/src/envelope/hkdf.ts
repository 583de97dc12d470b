import { createHmac } from 'node:crypto'

/**
 * HKDF (RFC 5869) split into its two steps over node:crypto HMAC. Node's `hkdfSync` does both in one call;
 * the envelope needs them apart: Extract (and the commitment's Expand) runs once per data key, so the
 * data-key cache holds the PRK, never the data key; the cipher key's Expand runs once per message — one HMAC
 * instead of a whole `hkdfSync` per cached message. Tests check both steps against `hkdfSync` and the RFC
 * 5869 vectors, for SHA-256 and SM3.
 */

const ONE = Buffer.of(1)

/** Output length of each hash, bytes. */
const HASH_LENGTH: Readonly<Record<'sha256' | 'sm3', number>> = { sha256: 32, sm3: 32 }

/** HKDF-Extract: PRK = HMAC(salt, ikm); an empty salt is HashLen zero bytes, as the RFC says. */
export function hkdfExtract(hash: 'sha256' | 'sm3', ikm: Uint8Array, salt: Uint8Array = new Uint8Array(0)): Buffer {
  const s = salt.length > 0 ? salt : Buffer.alloc(HASH_LENGTH[hash])
  return createHmac(hash, s).update(ikm).digest()
}

/** HKDF-Expand: T(1) ‖ T(2) ‖ …, T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i), truncated to `length` (≤ 255 × HashLen). */
export function hkdfExpand(hash: 'sha256' | 'sm3', prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const n = Math.ceil(length / HASH_LENGTH[hash])
  if (n > 255) throw new RangeError('HKDF output too long')
  const hl = HASH_LENGTH[hash]
  if (n === 1) {
    // One block (every per-message key): T(1) = HMAC(PRK, info ‖ 0x01), no staging buffers.
    const t = createHmac(hash, prk).update(info).update(ONE).digest()
    if (t.length === length) return t
    const r = Buffer.from(t.subarray(0, length))
    t.fill(0)
    return r
  }
  const out = Buffer.allocUnsafe(n * hl)
  // One input buffer per block, T(i-1) ‖ info ‖ i, so each block is a single HMAC update.
  const input = Buffer.allocUnsafe(hl + info.length + 1)
  input.set(info, hl)
  for (let i = 1; i <= n; i++) {
    input[hl + info.length] = i
    const t = createHmac(hash, prk)
      .update(i === 1 ? input.subarray(hl) : input)
      .digest()
    t.copy(out, (i - 1) * hl)
    t.copy(input, 0)
    t.fill(0)
  }
  input.fill(0)
  if (out.length === length) return out
  const r = Buffer.from(out.subarray(0, length))
  out.fill(0)
  return r
}
