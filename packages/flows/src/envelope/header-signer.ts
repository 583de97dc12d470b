import { createHash, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import {
  checkBytes,
  checkKeyId,
  checkOneOf,
  fromBase64,
  needs,
  requireCompliantFor,
  type AsymmetricCrypto,
} from '@keyward/core'
import { sm2MessageDigest, sm2PublicKeyFromPrivate, sm2PublicKeyFromSpki, sm2Sign, sm2Verify } from '@keyward/gm'
import type { HeaderSignatureAlgorithm } from './header-format.js'

/**
 * Signs message headers, so that a reader can tell who made a message (sender authenticity), not only that
 * someone holding the data key did. The signature covers the whole header including its tag; the body is
 * bound to the header through the per-message key, but a recipient who holds the data key could still
 * re-encrypt a different body under the same header — see docs/message-format.md.
 */
export interface HeaderSigner {
  readonly algorithm: HeaderSignatureAlgorithm
  /** Written in the header: SPKI DER for ECC_P256_R1; the 65-byte point 04‖x‖y for SM2DSA. */
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
  /* Precondition: the signing key is a P-256 private key, and the compliance profile in force allows ECDSA. */
  requireCompliantFor([], 'signAlgorithm', 'ECC_P256_R1', 'ecdsaP256HeaderSigner')
  needs(
    privateKey?.type === 'private' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    'InvalidParameterValue',
    'The header signer needs a P-256 private key.',
  )
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { algorithm: 'ECC_P256_R1', publicKey, sign: async (data) => nodeSign('sha256', data, privateKey) }
}

/**
 * A header signer with a local SM2 private key (32 bytes, via @keyward/gm): SM2DSA over SM3(Z‖header) with the
 * GM/T default user id, DER signatures. The key is copied; the signer never prints it.
 */
export function sm2HeaderSigner(privateKey: Uint8Array): HeaderSigner {
  /* Precondition: the SM2 private key is 32 bytes, and the compliance profile in force allows SM2. */
  requireCompliantFor([], 'signAlgorithm', 'SM2DSA', 'sm2HeaderSigner')
  checkBytes('privateKey', privateKey, 32, 32)
  const d = Buffer.from(privateKey)
  const publicKey = sm2PublicKeyFromPrivate(d)
  return { algorithm: 'SM2DSA', publicKey, sign: async (data) => sm2Sign(d, data, { publicKey }) }
}

/**
 * A header signer whose key stays in a KeyProvider (Tencent KMS, HSM): the header's digest (SHA-256, or for
 * SM2 SM3(Z‖header)) goes to SignByAsymmetricKey as a DIGEST.
 *
 * @example
 * ```ts
 * const signer = await providerHeaderSigner(kms, signingKeyId, 'SM2DSA')
 * ```
 */
export async function providerHeaderSigner(
  provider: Pick<AsymmetricCrypto, 'getPublicKey' | 'signByAsymmetricKey'>,
  keyId: string,
  algorithm: HeaderSignatureAlgorithm = 'ECC_P256_R1',
): Promise<HeaderSigner> {
  checkKeyId(keyId)
  checkOneOf('algorithm', algorithm, ['ECC_P256_R1', 'SM2DSA'] as const)
  requireCompliantFor([provider], 'signAlgorithm', algorithm, 'providerHeaderSigner')
  const spki = fromBase64((await provider.getPublicKey(keyId)).publicKey, 'PublicKey')
  const publicKey = algorithm === 'SM2DSA' ? sm2PublicKeyFromSpki(spki) : spki
  return {
    algorithm,
    publicKey,
    sign: async (data) => {
      const digest =
        algorithm === 'SM2DSA' ? sm2MessageDigest(publicKey, data) : createHash('sha256').update(data).digest()
      const r = await provider.signByAsymmetricKey({ keyId, algorithm, message: digest, messageType: 'DIGEST' })
      return r.signature
    },
  }
}

/** True when `signature` is a valid header signature of `algorithm` by `publicKey`; false for any malformed input. */
export function verifyHeaderSignature(
  algorithm: HeaderSignatureAlgorithm,
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    if (algorithm === 'ECC_P256_R1') {
      const key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' })
      if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false
      return nodeVerify('sha256', data, key, signature)
    }
    return publicKey.length === 65 && sm2Verify(publicKey, data, signature)
  } catch {
    return false
  }
}
