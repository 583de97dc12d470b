import { createPublicKey, type KeyObject } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { KeywardError } from '@keyward/core'

/**
 * The SubjectPublicKeyInfo of a token public key object, read from its attributes (CKA_MODULUS /
 * CKA_PUBLIC_EXPONENT, or CKA_EC_POINT for P-256) and encoded by node:crypto.
 */
export function publicKeyObject(pub: graphene.Key): KeyObject {
  const keyType = pub.getAttribute({ keyType: null }).keyType
  if (keyType === graphene.KeyType.RSA) {
    const a = pub.getAttribute({ modulus: null, publicExponent: null })
    return createPublicKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: (a.modulus as Buffer).toString('base64url'),
        e: (a.publicExponent as Buffer).toString('base64url'),
      },
    })
  }
  if (keyType === graphene.KeyType.EC) {
    const point = ecPoint(pub.getAttribute({ pointEC: null }).pointEC as Buffer)
    return createPublicKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      },
    })
  }
  throw new KeywardError('InternalError', `Unexpected public key type ${String(keyType)} in the token.`)
}

/**
 * CKA_EC_POINT is, per PKCS#11 2.40, DER OCTET STRING(04 ‖ X ‖ Y); some tokens give the bare point. Accept both,
 * for P-256 only.
 */
function ecPoint(attr: Buffer): Buffer {
  if (attr.length === 65 && attr[0] === 0x04) return attr
  if (attr.length === 67 && attr[0] === 0x04 && attr[1] === 0x41 && attr[2] === 0x04) return attr.subarray(2)
  throw new KeywardError('InternalError', 'The token returned a CKA_EC_POINT that is not an uncompressed P-256 point.')
}

/** An RSA public key object from SPKI DER, as CKA_MODULUS / CKA_PUBLIC_EXPONENT. */
export function rsaComponents(
  spkiDer: Uint8Array,
  field: string,
): { modulus: Buffer; publicExponent: Buffer; bits: number } {
  let key: KeyObject
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' })
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', `${field} is not a DER SubjectPublicKeyInfo.`, { cause: e })
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new KeywardError('InvalidParameterValue', `${field} must be an RSA public key.`)
  const jwk = key.export({ format: 'jwk' })
  const modulus = Buffer.from(jwk.n as string, 'base64url')
  return {
    modulus,
    publicExponent: Buffer.from(jwk.e as string, 'base64url'),
    bits: key.asymmetricKeyDetails?.modulusLength ?? modulus.length * 8,
  }
}
