/**
 * SM2 public-key encryption (GB/T 32918.4): C1 = k·G, (x2, y2) = k·P, C2 = M ⊕ KDF(x2‖y2), C3 = SM3(x2‖M‖y2).
 * Output is ASN.1 C1C3C2, the form Tencent's AsymmetricSm2Decrypt and `openssl pkeyutl -decrypt` take.
 *
 * Timing: the KDF input and the y-recovery of k·P (see sm2-verify-core.ts) run in BigInt, which is not
 * constant-time; the scalar multiplications with k and d run in OpenSSL.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { checkBytes, decryptionFailed, KeywardError, zeroize } from '@keyward/core'
import { bigIntToBytes, bytesToBigInt, decodePrivateKey, decodePublicKey, N } from './sm2-curve.js'
import { formatSm2Ciphertext, parseSm2Ciphertext, type Sm2CiphertextForm } from './sm2-codec.js'
import { mulBase } from './sm2-native.js'
import { mulPoint } from './sm2-verify-core.js'

/** Largest plaintext accepted (SM2 encryption is for keys and small secrets; KMS allows 4 KiB). */
const MAX_PLAINTEXT = 1 << 20

/** KDF(Z, klen) of GB/T 32918.4: SM3(Z ‖ ct) for ct = 1, 2, ... (32-bit big-endian), truncated. */
function kdf(z: Buffer, length: number): Buffer {
  const out = Buffer.alloc(Math.ceil(length / 32) * 32)
  const counter = Buffer.alloc(4)
  for (let i = 0; i * 32 < length; i++) {
    counter.writeUInt32BE(i + 1)
    createHash('sm3')
      .update(z)
      .update(counter)
      .digest()
      .copy(out, i * 32)
  }
  return out.subarray(0, length)
}

function allZero(bytes: Buffer): boolean {
  let acc = 0
  for (const b of bytes) acc |= b
  return acc === 0
}

/**
 * Encrypts `plaintext` (1 byte to 1 MiB) to the SM2 public key; returns ASN.1 C1C3C2 DER.
 *
 * @example
 * ```ts
 * const ct = sm2Encrypt(publicKey, Buffer.from('secret'))
 * sm2Decrypt(privateKey, ct).toString() // 'secret'
 * ```
 */
export function sm2Encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Buffer {
  const point = decodePublicKey(publicKey)
  checkBytes('plaintext', plaintext, 1, MAX_PLAINTEXT)
  for (;;) {
    const k = bytesToBigInt(randomBytes(32))
    if (k === 0n || k >= N) continue
    const c1 = mulBase(k)
    const shared = mulPoint(k, point)
    const x2 = bigIntToBytes(shared.x)
    const y2 = bigIntToBytes(shared.y)
    const z = Buffer.concat([x2, y2])
    const t = kdf(z, plaintext.length)
    if (allZero(t)) continue
    const c2 = Buffer.alloc(plaintext.length)
    for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i]! ^ t[i]!
    const c3 = createHash('sm3').update(x2).update(plaintext).update(y2).digest()
    zeroize(z, t, x2, y2)
    return formatSm2Ciphertext(
      { x: bigIntToBytes(c1.x), y: bigIntToBytes(c1.y), c3, c2 },
      { order: 'C1C3C2', encoding: 'asn1' },
    )
  }
}

/** Form of a ciphertext that sm2Decrypt takes without being told: ASN.1 C1C3C2 or raw 04‖C1‖C3‖C2. */
function formOf(ciphertext: Uint8Array): Sm2CiphertextForm {
  return ciphertext[0] === 0x30
    ? { order: 'C1C3C2', encoding: 'asn1' }
    : { order: 'C1C3C2', encoding: 'raw', prefix: true }
}

/**
 * Decrypts an SM2 ciphertext in ASN.1 C1C3C2 (Tencent, OpenSSL) or raw 04‖C1‖C3‖C2 form; convert other forms
 * first with convertSm2Ciphertext. Any failure — malformed input, C1 off the curve, wrong key, altered bytes —
 * throws core's decryptionFailed(); no plaintext is released unless C3 matches.
 */
export function sm2Decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Buffer {
  const d = decodePrivateKey(privateKey)
  if (!(ciphertext instanceof Uint8Array))
    throw new KeywardError('InvalidParameter', 'ciphertext must be bytes (Uint8Array/Buffer).')
  let parts
  try {
    parts = parseSm2Ciphertext(ciphertext, formOf(ciphertext))
  } catch (e) {
    throw decryptionFailed(e)
  }
  if (parts.c2.length > MAX_PLAINTEXT) throw decryptionFailed()
  const shared = mulPoint(d, { x: bytesToBigInt(parts.x), y: bytesToBigInt(parts.y) })
  const x2 = bigIntToBytes(shared.x)
  const y2 = bigIntToBytes(shared.y)
  const z = Buffer.concat([x2, y2])
  const t = kdf(z, parts.c2.length)
  const plaintext = Buffer.alloc(parts.c2.length)
  for (let i = 0; i < plaintext.length; i++) plaintext[i] = parts.c2[i]! ^ t[i]!
  const u = createHash('sm3').update(x2).update(plaintext).update(y2).digest()
  const ok = !allZero(t) && timingSafeEqual(u, parts.c3)
  zeroize(z, t, x2, y2)
  if (!ok) {
    zeroize(plaintext)
    throw decryptionFailed()
  }
  return plaintext
}
