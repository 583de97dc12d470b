import { KeywardError, LIMITS, isKeywardError } from '@keyward/core'
import { sm2Encrypt } from '@keyward/gm'

/**
 * SM2 encryption in the form AsymmetricSm2Decrypt takes: C1C3C2, ASN.1 DER (@keyward/gm). The caller has already
 * bounded the plaintext so that even the longest DER encoding fits Tencent's 256 bytes; the check here guards
 * that arithmetic.
 */
export function sm2EncryptForKms(point: Uint8Array, plaintext: Uint8Array): Buffer {
  let ciphertext: Buffer
  try {
    ciphertext = sm2Encrypt(point, plaintext)
  } catch (cause) {
    if (isKeywardError(cause)) throw cause
    throw new KeywardError('InternalError', 'SM2 encryption failed.', { cause })
  }
  if (ciphertext.length > LIMITS.maxSm2CiphertextBytes) {
    throw new KeywardError(
      'InternalError',
      `SM2 ciphertext of ${ciphertext.length} bytes exceeds ${LIMITS.maxSm2CiphertextBytes}.`,
    )
  }
  return ciphertext
}
