import { createHash } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { p256 } from '@noble/curves/nist.js'
import { KeywardError, type MessageType, type SignAlgorithm } from '@keyward/core'
import type { TokenPlan } from './token-plan.js'

/** DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1): CKM_RSA_PKCS signs prefix ‖ digest. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')

function pssParams(): graphene.RsaPssParams {
  return new graphene.RsaPssParams(graphene.MechanismEnum.SHA256, graphene.RsaMgf.MGF1_SHA256, 32)
}

const sha256 = (m: Buffer): Buffer => createHash('sha256').update(m).digest()

/**
 * The token mechanism and input for a signature. RAW RSA messages are hashed in the token when it has the
 * combined mechanism (CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS); otherwise the host hashes them and they take
 * the DIGEST path (openCryptoki 3.8 has no CKM_SHA256_RSA_PKCS). The signature is the same either way. DIGEST
 * messages use the bare mechanisms. ECDSA is always CKM_ECDSA over a host SHA-256 digest, because SoftHSM 2.6
 * rejects CKM_ECDSA_SHA256.
 */
export function signInput(plan: TokenPlan, algorithm: SignAlgorithm, message: Uint8Array, messageType: MessageType): { mech: graphene.MechanismType; data: Buffer } {
  // A view, not a copy: the async token call keeps it alive until it completes.
  const m = Buffer.from(message.buffer, message.byteOffset, message.byteLength)
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256':
      if (messageType === 'RAW' && plan.rsaPkcs1Raw) return { mech: plan.rsaPkcs1Raw, data: m }
      return { mech: 'RSA_PKCS', data: Buffer.concat([SHA256_DIGEST_INFO, messageType === 'RAW' ? sha256(m) : m]) }
    case 'RSA_PSS_SHA_256':
      if (messageType === 'RAW' && plan.rsaPssRaw) return { mech: { name: plan.rsaPssRaw, params: pssParams() }, data: m }
      return { mech: { name: 'RSA_PKCS_PSS', params: pssParams() }, data: messageType === 'RAW' ? sha256(m) : m }
    case 'ECC_P256_R1':
      return { mech: 'ECDSA', data: messageType === 'RAW' ? sha256(m) : m }
    default:
      throw new KeywardError('UnsupportedOperation', `The PKCS#11 provider has no mechanism for ${algorithm} on this token.`)
  }
}

/** The bytes of an unsigned big-endian value without its leading zeros (one kept for zero). */
function stripZeros(v: Uint8Array): Uint8Array {
  let i = 0
  while (i < v.length - 1 && v[i] === 0) i++
  return v.subarray(i)
}

/** Writes DER INTEGER `body` (0x00 in front when its high bit is set) at `at`; returns the next offset. */
function putInteger(out: Buffer, at: number, body: Uint8Array): number {
  const pad = ((body[0] as number) & 0x80) !== 0 ? 1 : 0
  out[at] = 0x02
  out[at + 1] = pad + body.length
  if (pad) out[at + 2] = 0
  out.set(body, at + 2 + pad)
  return at + 2 + pad + body.length
}

/** DER length of an INTEGER holding `body`. */
function integerBytes(body: Uint8Array): number {
  return 2 + (((body[0] as number) & 0x80) !== 0 ? 1 : 0) + body.length
}

/**
 * The token gives ECDSA as r ‖ s (64 bytes); Keyward, like Tencent KMS and OpenSSL, returns DER
 * SEQUENCE { INTEGER r, INTEGER s }. Encoding only (the token made the values), so a few lines written into one
 * buffer instead of a bigint round trip through a curve library on the hot path; the tests check it against OpenSSL.
 */
export function ecdsaToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new KeywardError('InternalError', `The token returned a ${raw.length}-byte ECDSA P-256 signature, expected 64.`)
  const r = stripZeros(raw.subarray(0, 32))
  const s = stripZeros(raw.subarray(32))
  const body = integerBytes(r) + integerBytes(s)
  // At most 2 × 35 bytes, so the short length form always applies.
  const out = Buffer.allocUnsafe(2 + body)
  out[0] = 0x30
  out[1] = body
  putInteger(out, putInteger(out, 2, r), s)
  return out
}

/** DER ECDSA → r ‖ s for C_Verify; undefined when it is not a valid DER signature (→ signature invalid). */
export function ecdsaFromDer(der: Uint8Array): Buffer | undefined {
  try {
    return Buffer.from(p256.Signature.fromBytes(der, 'der').toBytes('compact'))
  } catch {
    return undefined
  }
}
