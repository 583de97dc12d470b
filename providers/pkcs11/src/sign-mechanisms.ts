import { createHash } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { KeywardError, type MessageType, type SignAlgorithm } from '@keyward/core'
import { signatureDerToRaw, signatureRawToDer } from '@keyward/gm'
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
export function signInput(
  plan: TokenPlan,
  algorithm: SignAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
): { mech: graphene.MechanismType; data: Buffer } {
  // A view, not a copy: the async token call keeps it alive until it completes.
  const m = Buffer.from(message.buffer, message.byteOffset, message.byteLength)
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256':
      if (messageType === 'RAW' && plan.rsaPkcs1Raw) return { mech: plan.rsaPkcs1Raw, data: m }
      return { mech: 'RSA_PKCS', data: Buffer.concat([SHA256_DIGEST_INFO, messageType === 'RAW' ? sha256(m) : m]) }
    case 'RSA_PSS_SHA_256':
      if (messageType === 'RAW' && plan.rsaPssRaw)
        return { mech: { name: plan.rsaPssRaw, params: pssParams() }, data: m }
      return { mech: { name: 'RSA_PKCS_PSS', params: pssParams() }, data: messageType === 'RAW' ? sha256(m) : m }
    case 'ECC_P256_R1':
      return { mech: 'ECDSA', data: messageType === 'RAW' ? sha256(m) : m }
    default:
      throw new KeywardError(
        'UnsupportedOperation',
        `The PKCS#11 provider has no mechanism for ${algorithm} on this token.`,
      )
  }
}

/** The order n of P-256: a valid signature has r and s in [1, n-1]. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')

/**
 * The token gives ECDSA as r ‖ s (64 bytes); Keyward, like Tencent KMS and OpenSSL, returns DER
 * SEQUENCE { INTEGER r, INTEGER s } (gm's codec; the tests check it against @noble/curves).
 */
export function ecdsaToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64)
    throw new KeywardError(
      'InternalError',
      `The token returned a ${raw.length}-byte ECDSA P-256 signature, expected 64.`,
    )
  return signatureRawToDer(raw)
}

/** DER ECDSA → r ‖ s for C_Verify; undefined when it is not a valid P-256 DER signature (→ signature invalid). */
export function ecdsaFromDer(der: Uint8Array): Buffer | undefined {
  let raw: Buffer
  try {
    raw = signatureDerToRaw(der, 32)
  } catch {
    return undefined
  }
  const inRange = (v: Buffer): boolean => v.some((b) => b !== 0) && Buffer.compare(v, P256_ORDER) < 0
  return inRange(raw.subarray(0, 32)) && inRange(raw.subarray(32)) ? raw : undefined
}
