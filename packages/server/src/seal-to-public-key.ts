import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto'
import { KeywardError, SEAL_ALGORITHMS, needs, toBase64, type SealAlgorithm } from '@keyward/core'
import { convertSm2Ciphertext, sm2Encrypt, sm2PublicKeyFromSpki } from '@keyward/gm'

export { SEAL_ALGORITHMS, type SealAlgorithm }

function publicKeyOf(text: string): KeyObject {
  try {
    // Tencent documents a PEM string; a bare base64 DER SubjectPublicKeyInfo is accepted too.
    return text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' })
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', 'EncryptionPublicKey is not a PEM (or base64 DER) public key.', {
      cause: e,
    })
  }
}

/**
 * Encrypts `plaintext` (a data key) to the caller's public key, so that it crosses the network sealed: Tencent's
 * EncryptionPublicKey / EncryptionAlgorithm. `SM2` returns raw C1C3C2 (04‖x‖y‖C3‖C2), `SM2_C1C3C2_ASN1` the
 * ASN.1 form; RSA uses OAEP or PKCS#1 v1.5 as named. Returns base64.
 *
 * @example
 * ```ts
 * const sealed = sealToPublicKey(dataKey, callerPem, 'SM2')
 * ```
 */
export function sealToPublicKey(plaintext: Uint8Array, publicKeyText: string, algorithm: SealAlgorithm): string {
  const key = publicKeyOf(publicKeyText)
  if (algorithm === 'SM2' || algorithm === 'SM2_C1C3C2_ASN1') {
    // Node 20 reports no asymmetricKeyType for SM2 keys; @keyward/gm checks the SPKI's curve and point.
    needs(
      key.asymmetricKeyType !== 'rsa',
      'InvalidParameterValue',
      `EncryptionAlgorithm ${algorithm} needs an SM2 public key.`,
    )
    const point = sm2PublicKeyFromSpki(key.export({ format: 'der', type: 'spki' }))
    const asn1 = sm2Encrypt(point, plaintext)
    return toBase64(
      algorithm === 'SM2'
        ? convertSm2Ciphertext(
            asn1,
            { order: 'C1C3C2', encoding: 'raw', prefix: true },
            { order: 'C1C3C2', encoding: 'asn1' },
          )
        : asn1,
    )
  }
  needs(
    key.asymmetricKeyType === 'rsa',
    'InvalidParameterValue',
    `EncryptionAlgorithm ${algorithm} needs an RSA public key.`,
  )
  needs(
    (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048,
    'InvalidParameterValue',
    'EncryptionPublicKey must be RSA 2048 bits or more.',
  )
  const padding = algorithm === 'RSAES_PKCS1_V1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING
  const oaepHash = algorithm === 'RSAES_OAEP_SHA_256' ? 'sha256' : 'sha1'
  return toBase64(
    publicEncrypt({ key, padding, ...(padding === constants.RSA_PKCS1_OAEP_PADDING ? { oaepHash } : {}) }, plaintext),
  )
}
