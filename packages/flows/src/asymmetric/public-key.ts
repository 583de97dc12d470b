import { createPublicKey, type KeyObject } from 'node:crypto'
import { KeywardError, fromBase64, isKeywardError, needs, type PublicKeyResult } from '@keyward/core'
import { pemToDer, sm2PublicKeyFromSpki } from '@keyward/gm'

/**
 * A public key as Tencent's GetPublicKey returns it: `PublicKey` (DER SubjectPublicKeyInfo, base64), `PublicKeyPem`,
 * the raw DER bytes, or the whole {@link PublicKeyResult}.
 */
export type PublicKeyInput = string | Uint8Array | Pick<PublicKeyResult, 'publicKey'>

/** What kind of key a public key is. */
export type PublicKeyKind = 'RSA' | 'EC_P256' | 'SM2'

/** A parsed public key: its kind, its SPKI DER and, for RSA and P-256, a node:crypto KeyObject. */
export interface ParsedPublicKey {
  readonly kind: PublicKeyKind
  readonly spki: Buffer
  /** node:crypto's view of the key (SM2 keys parse too, but node:crypto cannot use them; gm does). */
  readonly keyObject: KeyObject
  /** RSA modulus size in bits (0 for EC keys). */
  readonly modulusBits: number
  /** SM2 and P-256: the uncompressed point 04‖x‖y (65 bytes); empty for RSA. */
  readonly point: Buffer
}

// OID 1.2.156.10197.1.301 (the SM2 curve), DER-encoded, as it appears in an SM2 SubjectPublicKeyInfo.
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex')
const MAX_SPKI_BYTES = 2048

/**
 * Parses a downloaded public key. Anything that is not an RSA (≥ 2048-bit), P-256 or SM2 SubjectPublicKeyInfo is
 * InvalidParameterValue.
 *
 * @example
 * ```ts
 * const { publicKeyPem } = await provider.getPublicKey(keyId)
 * parsePublicKey(publicKeyPem).kind // 'RSA' | 'EC_P256' | 'SM2'
 * ```
 */
export function parsePublicKey(input: PublicKeyInput): ParsedPublicKey {
  /* Precondition: the key is given as a string, bytes or a GetPublicKey result. */
  const spki = spkiBytes(input)
  needs(
    spki.length > 0 && spki.length <= MAX_SPKI_BYTES,
    'InvalidParameterValue',
    'PublicKey has an implausible length.',
  )
  let keyObject: KeyObject
  try {
    keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' })
  } catch (cause) {
    throw new KeywardError('InvalidParameterValue', 'PublicKey is not a DER SubjectPublicKeyInfo.', { cause })
  }
  return classify(spki, keyObject)
}

function spkiBytes(input: PublicKeyInput): Buffer {
  if (input instanceof Uint8Array) return Buffer.from(input)
  if (input !== null && typeof input === 'object' && typeof input.publicKey === 'string')
    return fromBase64(input.publicKey, 'PublicKey')
  needs(
    typeof input === 'string' && input.length > 0,
    'MissingParameter',
    'PublicKey is required (DER base64, PEM or a GetPublicKey result).',
  )
  const text = input.trim()
  if (text.startsWith('-----BEGIN')) {
    try {
      return pemToDer(text, 'PUBLIC KEY')
    } catch (cause) {
      throw new KeywardError('InvalidParameterValue', 'PublicKey PEM must be one "BEGIN PUBLIC KEY" block of base64.', {
        cause,
      })
    }
  }
  return fromBase64(text, 'PublicKey')
}

function classify(spki: Buffer, keyObject: KeyObject): ParsedPublicKey {
  const type = keyObject.asymmetricKeyType
  if (type === 'rsa') {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0
    needs(bits >= 2048, 'InvalidParameterValue', `RSA public keys must be at least 2048 bits, got ${bits}.`)
    return { kind: 'RSA', spki, keyObject, modulusBits: bits, point: Buffer.alloc(0) }
  }
  if (type === 'ec' && keyObject.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { kind: 'EC_P256', spki, keyObject, modulusBits: 0, point: p256Point(keyObject) }
  }
  // OpenSSL 3 parses SM2 keys but node:crypto reports no type for them.
  if ((type === undefined || type === 'ec') && spki.includes(SM2_CURVE_OID)) {
    return { kind: 'SM2', spki, keyObject, modulusBits: 0, point: sm2Point(spki) }
  }
  throw new KeywardError(
    'InvalidParameterValue',
    `PublicKey must be RSA, EC P-256 or SM2, got ${type ?? 'an unknown type'}.`,
  )
}

function p256Point(keyObject: KeyObject): Buffer {
  const jwk = keyObject.export({ format: 'jwk' })
  return Buffer.concat([Buffer.of(4), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')])
}

// gm checks the point is on the curve, so a forged SPKI fails here rather than deep inside a later call.
function sm2Point(spki: Buffer): Buffer {
  try {
    return sm2PublicKeyFromSpki(spki)
  } catch (cause) {
    if (isKeywardError(cause)) throw cause
    throw new KeywardError('InvalidParameterValue', 'PublicKey is not a valid SM2 key.', { cause })
  }
}
