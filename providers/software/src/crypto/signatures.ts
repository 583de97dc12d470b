import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { zeroize, type MessageType } from '@keyward/core'
import { emsaPssEncode, emsaPssVerify } from './emsa-pss.js'

/** The RSA and ECDSA algorithms signed with Node's OpenSSL (SM2DSA goes through @keyward/gm, see sm.ts). */
export type NodeSignAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECC_P256_R1'

/** ECDSA signature encoding: DER (what the provider emits, as Tencent) or IEEE P1363 r‖s (vectors, interop). */
export type EcdsaEncoding = 'der' | 'p1363'

/** DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')
const PSS_SALT = 32

function rsaOptions(
  key: KeyObject,
  algorithm: NodeSignAlgorithm,
): { key: KeyObject; padding: number; saltLength?: number } {
  return algorithm === 'RSA_PSS_SHA_256'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT }
    : { key, padding: constants.RSA_PKCS1_PADDING }
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0
}

/** The P-256 private scalar from a Node key (SEC1 DER has it at a fixed offset for this curve). */
function p256Scalar(key: KeyObject): Buffer {
  const sec1 = key.export({ format: 'der', type: 'sec1' })
  if (sec1.length < 39 || !sec1.subarray(0, 7).equals(Buffer.from([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]))) {
    zeroize(sec1)
    throw new RangeError('not a P-256 private key')
  }
  const d = Buffer.from(sec1.subarray(7, 39))
  zeroize(sec1)
  return d
}

function p256PublicPoint(key: KeyObject): Buffer {
  // SPKI of a P-256 key ends with the 65-byte uncompressed point.
  const spki = key.export({ format: 'der', type: 'spki' })
  return spki.subarray(spki.length - 65)
}

/**
 * Signs `message` (RAW: hashed here with SHA-256; DIGEST: the 32-byte SHA-256 given). RAW uses Node's
 * OpenSSL end to end; DIGEST uses the same RSA key through a raw operation (PKCS#1: DigestInfo; PSS: EMSA-PSS)
 * and, for ECDSA, @noble/curves over the hash, since Node has no "sign this hash" call.
 */
export function signMessage(
  algorithm: NodeSignAlgorithm,
  privateKey: KeyObject,
  message: Uint8Array,
  messageType: MessageType,
): Buffer {
  if (messageType === 'RAW') {
    if (algorithm === 'ECC_P256_R1') return sign('sha256', message, { key: privateKey, dsaEncoding: 'der' })
    return sign('sha256', message, rsaOptions(privateKey, algorithm))
  }
  if (algorithm === 'ECC_P256_R1') {
    const d = p256Scalar(privateKey)
    try {
      return Buffer.from(p256.sign(message, d, { prehash: false, format: 'der', lowS: false }))
    } finally {
      zeroize(d)
    }
  }
  const em =
    algorithm === 'RSA_PSS_SHA_256'
      ? emsaPssEncode(message, modulusBits(privateKey), PSS_SALT)
      : Buffer.concat([SHA256_DIGEST_INFO, message])
  const padding = algorithm === 'RSA_PSS_SHA_256' ? constants.RSA_NO_PADDING : constants.RSA_PKCS1_PADDING
  return privateEncrypt({ key: privateKey, padding }, em)
}

/**
 * Verifies a signature made by {@link signMessage} (or by anyone with the private key). Never throws on a
 * malformed signature: it is simply not valid.
 */
export function verifyMessage(
  algorithm: NodeSignAlgorithm,
  publicKey: KeyObject,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
  encoding: EcdsaEncoding = 'der',
): boolean {
  try {
    if (algorithm === 'ECC_P256_R1') {
      if (messageType === 'RAW')
        return verify(
          'sha256',
          message,
          { key: publicKey, dsaEncoding: encoding === 'der' ? 'der' : 'ieee-p1363' },
          signature,
        )
      if (message.byteLength !== 32) return false
      return p256.verify(signature, message, p256PublicPoint(publicKey), {
        prehash: false,
        format: encoding === 'der' ? 'der' : 'compact',
        lowS: false,
      })
    }
    // RFC 8017 (8.1.2, 8.2.2) step 1: a signature that is not exactly k octets is invalid. OpenSSL would accept
    // one with a leading zero octet stripped (the same integer), which makes signatures malleable.
    const bits = modulusBits(publicKey)
    if (signature.byteLength !== Math.ceil(bits / 8)) return false
    if (messageType === 'RAW') return verify('sha256', message, rsaOptions(publicKey, algorithm), signature)
    if (message.byteLength !== 32) return false
    if (algorithm === 'RSA_PSS_SHA_256') {
      return emsaPssVerify(
        message,
        publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature),
        bits,
        PSS_SALT,
      )
    }
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)
    const expected = Buffer.concat([SHA256_DIGEST_INFO, message])
    return recovered.length === expected.length && timingSafeEqual(recovered, expected)
  } catch {
    return false
  }
}

/** SHA-256 of a message (what a DIGEST is for the RSA and ECDSA algorithms). */
export function sha256(message: Uint8Array): Buffer {
  return createHash('sha256').update(message).digest()
}
