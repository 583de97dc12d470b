import { constants, publicEncrypt } from 'node:crypto'
import {
  KeywardError,
  WRAPPING_ALGORITHMS,
  checkBytes,
  checkOneOf,
  needs,
  requireCompliantFor,
  type WrappingAlgorithm,
} from '@keyward/core'
import { parsePublicKey } from '../asymmetric/public-key.js'

const PADDING: Readonly<Record<WrappingAlgorithm, { padding: number; oaepHash?: string }>> = {
  RSAES_PKCS1_V1_5: { padding: constants.RSA_PKCS1_PADDING },
  RSAES_OAEP_SHA_1: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  RSAES_OAEP_SHA_256: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
}

/**
 * Wraps key material with the RSA public key and algorithm of an import token (GetParametersForImport), as
 * `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256` would. The caller keeps
 * ownership of `material` (and zeroes it).
 *
 * @example
 * ```ts
 * const p = await provider.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
 * const encryptedKeyMaterial = wrapKeyMaterial(p.publicKey, 'RSAES_OAEP_SHA_256', material)
 * ```
 */
export function wrapKeyMaterial(publicKey: string, wrappingAlgorithm: WrappingAlgorithm, material: Uint8Array): Buffer {
  /* Precondition: a known wrapping algorithm, an RSA wrapping key and 1-64 bytes of material. */
  checkOneOf('WrappingAlgorithm', wrappingAlgorithm, WRAPPING_ALGORITHMS)
  requireCompliantFor([], 'wrappingAlgorithm', wrappingAlgorithm, 'wrapKeyMaterial')
  checkBytes('KeyMaterial', material, 1, 64)
  const key = parsePublicKey(publicKey)
  needs(key.kind === 'RSA', 'InvalidParameterValue', 'The import wrapping key must be RSA.')
  try {
    return publicEncrypt({ key: key.keyObject, ...PADDING[wrappingAlgorithm] }, material)
  } catch (cause) {
    throw new KeywardError('InternalError', `Wrapping the key material with ${wrappingAlgorithm} failed.`, { cause })
  }
}
