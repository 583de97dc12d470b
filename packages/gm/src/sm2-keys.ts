/**
 * SM2 key pairs and their standard encodings: SubjectPublicKeyInfo (what Tencent GetPublicKey returns and
 * `openssl pkey -pubin` reads) and PKCS#8 (what `openssl pkey` reads), both with id-ecPublicKey and the SM2 curve
 * OID 1.2.156.10197.1.301.
 */
import { createECDH } from 'node:crypto'
import { INSPECT, KeywardError, REDACTED, zeroize } from '@keyward/core'
import {
  DerError,
  derInteger,
  derOctetString,
  derRead,
  derReadInteger,
  derReadWholeSequence,
  derSequence,
  derTlv,
} from './der.js'
import { bytesToBigInt, decodePrivateKey, decodePublicKey, encodePoint, N } from './sm2-curve.js'
import { mulBase } from './sm2-native.js'

/**
 * A raw SM2 key pair: 32-byte private scalar and 65-byte uncompressed public point. The pairs this package
 * returns print the private key as `[REDACTED]` in JSON.stringify and util.inspect (non-enumerable hooks, so
 * destructuring is unaffected); zeroize `privateKey` when done.
 */
export interface Sm2KeyPair {
  privateKey: Buffer
  publicKey: Buffer
}

/** A key pair whose JSON and inspect output never show the private key. */
function redactedPair(privateKey: Buffer, publicKey: Buffer): Sm2KeyPair {
  const pair: Sm2KeyPair = { privateKey, publicKey }
  const shown = (): { privateKey: string; publicKey: string } => ({
    privateKey: REDACTED,
    publicKey: publicKey.toString('hex'),
  })
  Object.defineProperty(pair, 'toJSON', { value: shown, enumerable: false })
  Object.defineProperty(pair, INSPECT, {
    value: () => ({ ...shown(), [Symbol.toStringTag]: 'Sm2KeyPair' }),
    enumerable: false,
  })
  return pair
}

/** AlgorithmIdentifier { id-ecPublicKey, sm2p256v1 }. */
const SM2_ALGORITHM_ID = Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex')
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex')

/**
 * A fresh SM2 key pair from OpenSSL's CSPRNG. The private key is in [1, n-2] (SM2 signing needs 1+d
 * invertible).
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = sm2GenerateKeyPair() // 32 and 65 bytes
 * ```
 */
export function sm2GenerateKeyPair(): Sm2KeyPair {
  const ecdh = createECDH('SM2')
  for (;;) {
    const publicKey = ecdh.generateKeys()
    const privateKey = Buffer.alloc(32)
    const raw = ecdh.getPrivateKey()
    raw.copy(privateKey, 32 - raw.length)
    zeroize(raw)
    if (bytesToBigInt(privateKey) <= N - 2n) return redactedPair(privateKey, publicKey)
    zeroize(privateKey)
  }
}

/** The public key 04‖x‖y = d·G of a 32-byte private key. */
export function sm2PublicKeyFromPrivate(privateKey: Uint8Array): Buffer {
  return encodePoint(mulBase(decodePrivateKey(privateKey)))
}

/** DER SubjectPublicKeyInfo of an SM2 public key (validated to be on the curve). */
export function sm2PublicKeyToSpki(publicKey: Uint8Array): Buffer {
  decodePublicKey(publicKey)
  return derSequence(SM2_ALGORITHM_ID, derTlv(0x03, Buffer.of(0), publicKey))
}

function invalid(what: string, cause?: unknown): KeywardError {
  return new KeywardError(
    'InvalidParameterValue',
    `${what} is not a valid SM2 key encoding${cause instanceof Error ? `: ${cause.message}` : ''}.`,
    { cause },
  )
}

/** The 65-byte public key inside an SM2 SubjectPublicKeyInfo; rejects other algorithms and off-curve points. */
export function sm2PublicKeyFromSpki(der: Uint8Array): Buffer {
  if (!(der instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'der must be bytes (Uint8Array/Buffer).')
  let key: Buffer
  try {
    const body = derReadWholeSequence(Buffer.from(der))
    const alg = derRead(body, 0x30)
    if (!derTlv(0x30, alg.content).equals(SM2_ALGORITHM_ID)) throw new DerError('not id-ecPublicKey with the SM2 curve')
    const bits = derRead(alg.rest, 0x03)
    if (bits.rest.length !== 0 || bits.content[0] !== 0) throw new DerError('bad BIT STRING')
    key = Buffer.from(bits.content.subarray(1))
  } catch (e) {
    throw invalid('SubjectPublicKeyInfo', e)
  }
  decodePublicKey(key, 'SubjectPublicKeyInfo public key')
  return key
}

/** PKCS#8 PrivateKeyInfo (unencrypted) holding an SEC1 ECPrivateKey with the public key, as OpenSSL writes it. */
export function sm2PrivateKeyToPkcs8(privateKey: Uint8Array, publicKey: Uint8Array): Buffer {
  decodePrivateKey(privateKey)
  decodePublicKey(publicKey)
  const ecPrivateKey = derSequence(
    derInteger(1n),
    derOctetString(privateKey),
    derTlv(0xa1, derTlv(0x03, Buffer.of(0), publicKey)),
  )
  return derSequence(derInteger(0n), SM2_ALGORITHM_ID, derOctetString(ecPrivateKey))
}

/**
 * The key pair inside an SM2 PKCS#8 PrivateKeyInfo. When the encoding carries a public key it must match the
 * private key; when it does not, the public key is derived.
 */
export function sm2PrivateKeyFromPkcs8(der: Uint8Array): Sm2KeyPair {
  if (!(der instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'der must be bytes (Uint8Array/Buffer).')
  const d = Buffer.alloc(32)
  let embedded: Buffer | undefined
  try {
    const body = derReadWholeSequence(Buffer.from(der))
    const version = derReadInteger(body)
    if (version.value !== 0n && version.value !== 1n) throw new DerError('unsupported PKCS#8 version')
    const alg = derRead(version.rest, 0x30)
    if (!derTlv(0x30, alg.content).equals(SM2_ALGORITHM_ID)) throw new DerError('not id-ecPublicKey with the SM2 curve')
    const octets = derRead(alg.rest, 0x04)
    // Optional attributes [0] / public key [1] of PKCS#8 v2 may follow; they carry nothing we use.
    const inner = derReadWholeSequence(octets.content)
    const innerVersion = derReadInteger(inner)
    if (innerVersion.value !== 1n) throw new DerError('ECPrivateKey version must be 1')
    const priv = derRead(innerVersion.rest, 0x04)
    if (priv.content.length === 0 || priv.content.length > 32) throw new DerError('private key must be 1-32 bytes')
    priv.content.copy(d, 32 - priv.content.length)
    let rest = priv.rest
    if (rest.length && rest[0] === 0xa0) {
      const params = derRead(rest, 0xa0)
      if (!params.content.equals(SM2_CURVE_OID)) throw new DerError('ECPrivateKey parameters name another curve')
      rest = params.rest
    }
    if (rest.length && rest[0] === 0xa1) {
      const pubTag = derRead(rest, 0xa1)
      const bits = derRead(pubTag.content, 0x03)
      if (bits.content[0] !== 0) throw new DerError('bad BIT STRING')
      embedded = Buffer.from(bits.content.subarray(1))
      rest = pubTag.rest
    }
    if (rest.length !== 0) throw new DerError('unexpected fields in ECPrivateKey')
  } catch (e) {
    zeroize(d)
    throw invalid('PKCS#8 PrivateKeyInfo', e)
  }
  let publicKey: Buffer
  try {
    publicKey = sm2PublicKeyFromPrivate(d)
  } catch (e) {
    zeroize(d)
    throw e
  }
  if (embedded && !embedded.equals(publicKey)) {
    zeroize(d)
    throw new KeywardError('InvalidParameterValue', 'PKCS#8 public key does not match its private key.')
  }
  return redactedPair(d, publicKey)
}
