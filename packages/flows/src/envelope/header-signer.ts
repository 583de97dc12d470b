import { createHash, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { checkKeyId, fromBase64, needs, type KeyProvider } from '@keyward/core'
import type { HeaderSignatureAlgorithm } from './header-format.js'

/**
 * Signs message headers, so that a reader can tell who made a message (sender authenticity), not only that
 * someone holding the data key did. The signature covers the whole header including its tag; the body is
 * bound to the header through the per-message key, but a recipient who holds the data key could still
 * re-encrypt a different body under the same header — see docs/message-format.md.
 */
export interface HeaderSigner {
  readonly algorithm: HeaderSignatureAlgorithm
  /** Written in the header: SPKI DER for ECC_P256_R1. */
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Promise<Uint8Array>
}

/**
 * A header signer with a local P-256 private key (node:crypto), DER signatures over SHA-256.
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
 * const client = new EnvelopeClient({ keyring, signer: ecdsaP256HeaderSigner(privateKey) })
 * ```
 */
export function ecdsaP256HeaderSigner(privateKey: KeyObject): HeaderSigner {
  /* Precondition: the signing key is a P-256 private key. */
  needs(privateKey?.type === 'private' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1', 'InvalidParameterValue', 'The header signer needs a P-256 private key.')
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { algorithm: 'ECC_P256_R1', publicKey, sign: async (data) => nodeSign('sha256', data, privateKey) }
}

/**
 * A header signer whose P-256 key stays in a KeyProvider (Tencent KMS, HSM): the header's SHA-256 is sent as
 * a DIGEST to SignByAsymmetricKey.
 */
export async function providerHeaderSigner(provider: KeyProvider, keyId: string): Promise<HeaderSigner> {
  checkKeyId(keyId)
  const pub = await provider.getPublicKey(keyId)
  const publicKey = fromBase64(pub.publicKey, 'PublicKey')
  return {
    algorithm: 'ECC_P256_R1',
    publicKey,
    sign: async (data) => {
      const digest = createHash('sha256').update(data).digest()
      const r = await provider.signByAsymmetricKey({ keyId, algorithm: 'ECC_P256_R1', message: digest, messageType: 'DIGEST' })
      return r.signature
    },
  }
}

/** True when `signature` is a valid header signature of `algorithm` by `publicKey`; false for any malformed input. */
export function verifyHeaderSignature(algorithm: HeaderSignatureAlgorithm, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (algorithm === 'ECC_P256_R1') {
      const key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' })
      if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false
      return nodeVerify('sha256', data, key, signature)
    }
    return false
  } catch {
    return false
  }
}
