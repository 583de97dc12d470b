import {
  toBase64,
  type AsymmetricRsaDecryptRequest,
  type AsymmetricSm2DecryptRequest,
  type CallOptions,
  type DecryptResult,
  type MessageType,
  type PublicKeyResult,
  type SignRequest,
  type VerifyRequest,
} from '@keyward/core'
import type { KmsCaller } from './kms-caller.js'
import { requiredBoolean, requiredBytes, requiredString } from './response-fields.js'
import { sm2CiphertextForTencent } from './sm2-ciphertext.js'

/** Asymmetric Actions of the Tencent provider: GetPublicKey, RSA and SM2 decryption, sign and verify in the KMS. */

/** GetPublicKey: DER SPKI (base64) and PEM, as Tencent returns them. */
export async function getPublicKey(kms: KmsCaller, keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
  const res = await kms.call('GetPublicKey', { KeyId: keyId }, opts)
  return {
    keyId: requiredString(res, 'KeyId'),
    publicKey: requiredString(res, 'PublicKey'),
    publicKeyPem: requiredString(res, 'PublicKeyPem'),
  }
}

/** AsymmetricRsaDecrypt. */
export async function rsaDecrypt(
  kms: KmsCaller,
  req: AsymmetricRsaDecryptRequest,
  opts?: CallOptions,
): Promise<DecryptResult> {
  const res = await kms.call(
    'AsymmetricRsaDecrypt',
    { KeyId: req.keyId, Ciphertext: toBase64(req.ciphertext), Algorithm: req.algorithm },
    opts,
  )
  return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
}

/** AsymmetricSm2Decrypt: the ciphertext goes in the ASN.1 form Tencent takes (sm2-ciphertext.ts). */
export async function sm2Decrypt(
  kms: KmsCaller,
  req: AsymmetricSm2DecryptRequest,
  opts?: CallOptions,
): Promise<DecryptResult> {
  const der = sm2CiphertextForTencent(req.ciphertext)
  const res = await kms.call('AsymmetricSm2Decrypt', { KeyId: req.keyId, Ciphertext: toBase64(der) }, opts)
  return { keyId: requiredString(res, 'KeyId'), plaintext: requiredBytes(res, 'Plaintext') }
}

/** SignByAsymmetricKey. */
export async function sign(
  kms: KmsCaller,
  req: SignRequest,
  messageType: MessageType,
  opts?: CallOptions,
): Promise<{ signature: Uint8Array }> {
  const res = await kms.call(
    'SignByAsymmetricKey',
    { KeyId: req.keyId, Algorithm: req.algorithm, Message: toBase64(req.message), MessageType: messageType },
    opts,
  )
  return { signature: requiredBytes(res, 'Signature') }
}

/** VerifyByAsymmetricKey. */
export async function verify(
  kms: KmsCaller,
  req: VerifyRequest,
  messageType: MessageType,
  opts?: CallOptions,
): Promise<{ signatureValid: boolean }> {
  const res = await kms.call(
    'VerifyByAsymmetricKey',
    {
      KeyId: req.keyId,
      Algorithm: req.algorithm,
      Message: toBase64(req.message),
      MessageType: messageType,
      SignatureValue: toBase64(req.signature),
    },
    opts,
  )
  return { signatureValid: requiredBoolean(res, 'SignatureValid') }
}
