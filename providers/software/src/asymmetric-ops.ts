import {
  KEY_USAGES,
  KEY_USAGE_TABLE,
  KeywardError,
  SIGN_ALGORITHM_TABLE,
  toBase64,
  zeroize,
  type DecryptResult,
  type KeyMetadata,
  type MessageType,
  type PublicKeyResult,
  type RsaEncryptionAlgorithm,
  type SignRequest,
  type VerifyRequest,
} from '@keyward/core'
import { privateKeyFromPkcs8, publicKeyFromSpki, spkiToPem } from './crypto/key-pairs.js'
import { rsaOaepDecrypt } from './crypto/rsa.js'
import { signMessage, verifyMessage } from './crypto/signatures.js'
import { sm2DecryptPkcs8, sm2SignPkcs8, sm2VerifySpki } from './crypto/sm.js'
import type { KeyBook } from './key-book.js'
import { usableKey } from './key-rules.js'

/**
 * Asymmetric operations of the software provider: the private half is the key's sealed version 1 (PKCS#8), opened
 * for one operation and zeroed; the public half is an unsealed record (SPKI). SM2 goes to crypto/sm.ts
 * (@keyward/gm), RSA and ECDSA to Node's OpenSSL.
 */

/** Record name of an asymmetric key's public half (SPKI DER; not secret, so stored unsealed). */
export const PUBLIC_KEY_RECORD = 'publicKey'

const ASYMMETRIC_USAGES = KEY_USAGES.filter((u) => KEY_USAGE_TABLE[u].kind !== 'symmetric')

/** GetPublicKey of an asymmetric key: DER SPKI (base64) and PEM. */
export async function getPublicKey(book: KeyBook, keyId: string): Promise<PublicKeyResult> {
  const spki = await publicSpki(book, await usableKey(book, keyId, ASYMMETRIC_USAGES, 'GetPublicKey'))
  return { keyId, publicKey: toBase64(spki), publicKeyPem: spkiToPem(spki) }
}

/** AsymmetricRsaDecrypt / AsymmetricSm2Decrypt with the key's private half; failures are decryptionFailed(). */
export async function asymmetricDecrypt(
  book: KeyBook,
  keyId: string,
  algorithm: RsaEncryptionAlgorithm | 'SM2',
  ciphertext: Uint8Array,
): Promise<DecryptResult> {
  const sm2 = algorithm === 'SM2'
  const key = await usableKey(
    book,
    keyId,
    [sm2 ? 'ASYMMETRIC_DECRYPT_SM2' : 'ASYMMETRIC_DECRYPT_RSA_2048'],
    sm2 ? 'AsymmetricSm2Decrypt' : 'AsymmetricRsaDecrypt',
  )
  const der = await privatePkcs8(book, key)
  try {
    return {
      keyId: key.keyId,
      plaintext: sm2
        ? sm2DecryptPkcs8(der, ciphertext)
        : rsaOaepDecrypt(privateKeyFromPkcs8(der), algorithm, ciphertext),
    }
  } finally {
    zeroize(der)
  }
}

/** SignByAsymmetricKey: RAW is hashed here (SHA-256, or SM3(Z‖M) for SM2DSA); DIGEST is signed as given. DER out. */
export async function sign(
  book: KeyBook,
  req: SignRequest,
  messageType: MessageType,
): Promise<{ signature: Uint8Array }> {
  const key = await usableKey(
    book,
    req.keyId,
    [SIGN_ALGORITHM_TABLE[req.algorithm].usage],
    `SignByAsymmetricKey with ${req.algorithm}`,
  )
  const der = await privatePkcs8(book, key)
  try {
    if (req.algorithm === 'SM2DSA') return { signature: sm2SignPkcs8(der, req.message, messageType) }
    return { signature: signMessage(req.algorithm, privateKeyFromPkcs8(der), req.message, messageType) }
  } finally {
    zeroize(der)
  }
}

/** VerifyByAsymmetricKey with the stored public key: a malformed signature is simply not valid. */
export async function verify(
  book: KeyBook,
  req: VerifyRequest,
  messageType: MessageType,
): Promise<{ signatureValid: boolean }> {
  const key = await usableKey(
    book,
    req.keyId,
    [SIGN_ALGORITHM_TABLE[req.algorithm].usage],
    `VerifyByAsymmetricKey with ${req.algorithm}`,
  )
  const spki = await publicSpki(book, key)
  if (req.algorithm === 'SM2DSA')
    return { signatureValid: sm2VerifySpki(spki, req.message, messageType, req.signature) }
  return {
    signatureValid: verifyMessage(req.algorithm, publicKeyFromSpki(spki), req.message, messageType, req.signature),
  }
}

/** The sealed PKCS#8 of an asymmetric key (version 1); the caller zeroes it. */
async function privatePkcs8(book: KeyBook, key: KeyMetadata): Promise<Buffer> {
  const der = await book.openVersion(key.keyId, 1)
  if (!der) throw new KeywardError('FailedOperation.StoreError', `Key ${key.keyId} has no private key in the store.`)
  return der
}

/** SPKI DER of an asymmetric key. */
async function publicSpki(book: KeyBook, key: KeyMetadata): Promise<Buffer> {
  const spki = await book.store.getRecord(key.keyId, PUBLIC_KEY_RECORD)
  if (!spki) throw new KeywardError('FailedOperation.StoreError', `Key ${key.keyId} has no public key in the store.`)
  return Buffer.from(spki)
}
