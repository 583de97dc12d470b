import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { KeywardError } from '@keyward/core'
import { derToPem } from '@keyward/gm'
import { sm2GenerateKeyPkcs8 } from './sm.js'

/** Asymmetric key kinds the software provider generates. */
export type AsymmetricSpec = 'RSA_2048' | 'ECC_P256' | 'SM2'

/** A new key pair as DER: the private half (secret, to be sealed) and the public half (SPKI, not secret). */
export interface KeyPairDer {
  privatePkcs8: Buffer
  publicSpki: Buffer
}

/** Generates a key pair of `spec`: RSA-2048 (e = 65537) and P-256 with Node's OpenSSL, SM2 with @keyward/gm. */
export function generateKeyPairDer(spec: AsymmetricSpec): KeyPairDer {
  if (spec === 'SM2') return sm2GenerateKeyPkcs8()
  const pair =
    spec === 'RSA_2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return {
    privatePkcs8: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicSpki: pair.publicKey.export({ format: 'der', type: 'spki' }),
  }
}

/** A Node private key from PKCS#8 DER (RSA and P-256). */
export function privateKeyFromPkcs8(der: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
    format: 'der',
    type: 'pkcs8',
  })
}

/** A Node public key from SPKI DER; anything else is InvalidParameterValue. */
export function publicKeyFromSpki(der: Uint8Array, field = 'PublicKey'): KeyObject {
  try {
    return createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type: 'spki',
    })
  } catch (cause) {
    throw new KeywardError('InvalidParameterValue', `${field} is not a DER SubjectPublicKeyInfo.`, { cause })
  }
}

/** PEM of an SPKI DER (Tencent's PublicKeyPem). */
export function spkiToPem(der: Uint8Array): string {
  return derToPem(der, 'PUBLIC KEY')
}
