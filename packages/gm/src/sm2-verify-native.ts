/**
 * SM2 verification through OpenSSL's ECDSA verifier, which checks x(u1·G' + u2·Q) mod n = r_ec with
 * u1 = z/s_ec, u2 = r_ec/s_ec — one native double-scalar multiplication. SM2 needs x(s·G + t·P) mod n = r − e.
 * With r_ec = r − e, s_ec = r_ec/t, Q = P and a generator G' = (s·r_ec/(z·t))·G passed as explicit curve
 * parameters (same curve, same order n), OpenSSL computes exactly u1·G' = s·G and u2·P = t·P. z is SM3 of the
 * empty message, the digest the ECDSA call hashes. All values here are public, so G' comes from the
 * public-scalar table of sm2-base-table.ts.
 *
 * Why explicit parameters: an SPKI naming the SM2 curve imports as OpenSSL's SM2 key type, whose verifier
 * hashes Z with an empty user id into the check, so there the ratio cannot be steered; explicit parameters give
 * a plain EC key and the ECDSA verifier.
 *
 * If this OpenSSL refuses explicit curve parameters, {@link nativeVerifyAvailable} turns false and callers use
 * the slower path in sm2-verify-core.ts.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import { derInteger, derOctetString, derSequence, derTlv } from './der.js'
import { A, B, bigIntToBytes, bytesToBigInt, encodePoint, invert, mod, N, P, type AffinePoint } from './sm2-curve.js'
import { mulBasePublic } from './sm2-base-table.js'
import { mulBase } from './sm2-native.js'
import { encodeDerSignature } from './signature-codec.js'

const EMPTY = Buffer.alloc(0)
const Z = mod(bytesToBigInt(createHash('sm3').update(EMPTY).digest()), N)
const ID_EC_PUBLIC_KEY = Buffer.from('06072a8648ce3d0201', 'hex')
const ID_PRIME_FIELD = Buffer.from('06072a8648ce3d0101', 'hex')
const FIELD_ID = derSequence(ID_PRIME_FIELD, derInteger(P))
const CURVE = derSequence(derOctetString(bigIntToBytes(A)), derOctetString(bigIntToBytes(B)))
const ORDER_AND_COFACTOR = Buffer.concat([derInteger(N), derInteger(1n)])
const Z_INV = invert(Z, N)

let available: boolean | undefined

/** SubjectPublicKeyInfo of `publicKey` on the SM2 curve written out with the generator `generator`. */
function explicitSpki(generator: AffinePoint, publicKey: Uint8Array): Buffer {
  const params = derSequence(
    derInteger(1n),
    FIELD_ID,
    CURVE,
    derOctetString(encodePoint(generator)),
    ORDER_AND_COFACTOR,
  )
  return derSequence(derSequence(ID_EC_PUBLIC_KEY, params), derTlv(0x03, Buffer.of(0), publicKey))
}

/**
 * Whether x(s·G + t·P) ≡ rPrime (mod n), for s, t, rPrime in [1, n-1] and `publicKey` the encoding of a valid
 * point. Returns undefined when G' would be G itself: OpenSSL would then recognise the named SM2 curve and run
 * its SM2 verifier instead of ECDSA, so the caller decides that (astronomically rare) case another way. Throws
 * when OpenSSL rejects the explicit parameters.
 */
export function nativeCheck(s: bigint, t: bigint, rPrime: bigint, publicKey: Uint8Array): boolean | undefined {
  const tInv = invert(t, N)
  const gamma = mod(s * rPrime * Z_INV * tInv, N)
  if (gamma === 1n) return undefined
  const key = createPublicKey({ key: explicitSpki(mulBasePublic(gamma), publicKey), format: 'der', type: 'spki' })
  const sEc = mod(rPrime * tInv, N)
  const sig = encodeDerSignature(rPrime, sEc)
  return verify('sm3', EMPTY, key, sig)
}

/**
 * True when this process's OpenSSL runs {@link nativeCheck} correctly: probed once with a fixed relation
 * (x(1·G + 1·G) = x(2G)) both ways, so a build that rejects explicit parameters or disagrees is never used.
 */
export function nativeVerifyAvailable(): boolean {
  if (available !== undefined) return available
  try {
    const g = mulBase(1n)
    const twoG = mulBase(2n)
    const pub = encodePoint(g)
    const x = mod(twoG.x, N)
    available = nativeCheck(1n, 1n, x, pub) === true && nativeCheck(1n, 1n, mod(x + 1n, N) || 1n, pub) === false
  } catch {
    available = false
  }
  return available
}
