import { KeywardError, SIGN_ALGORITHM_TABLE, zeroize, type KeyMetadata, type MessageType, type RsaEncryptionAlgorithm, type SignAlgorithm } from '@keyward/core'
import { privateKeyFromPkcs8, publicKeyFromSpki } from './crypto/key-pairs.js'
import { rsaOaepDecrypt } from './crypto/rsa.js'
import { signMessage, verifyMessage } from './crypto/signatures.js'
import { sm2DecryptPkcs8, sm2SignPkcs8, sm2VerifySpki } from './crypto/sm.js'
import type { KeyBook } from './key-book.js'

/** Record name of an asymmetric key's public half (SPKI DER; not secret, so stored unsealed). */
export const PUBLIC_KEY_RECORD = 'publicKey'

/** The sealed PKCS#8 of an asymmetric key (version 1); the caller zeroes it. */
async function privatePkcs8(book: KeyBook, key: KeyMetadata): Promise<Buffer> {
  const der = await book.openVersion(key.keyId, 1)
  if (!der) throw new KeywardError('FailedOperation.StoreError', `Key ${key.keyId} has no private key in the store.`)
  return der
}

/** SPKI DER of an asymmetric key. */
export async function publicSpki(book: KeyBook, key: KeyMetadata): Promise<Buffer> {
  const spki = await book.store.getRecord(key.keyId, PUBLIC_KEY_RECORD)
  if (!spki) throw new KeywardError('FailedOperation.StoreError', `Key ${key.keyId} has no public key in the store.`)
  return Buffer.from(spki)
}

/** AsymmetricRsaDecrypt / AsymmetricSm2Decrypt with the key's private half; failures are decryptionFailed(). */
export async function asymmetricDecrypt(book: KeyBook, key: KeyMetadata, algorithm: RsaEncryptionAlgorithm | 'SM2', ciphertext: Uint8Array): Promise<Buffer> {
  const der = await privatePkcs8(book, key)
  try {
    if (algorithm === 'SM2') return sm2DecryptPkcs8(der, ciphertext)
    return rsaOaepDecrypt(privateKeyFromPkcs8(der), algorithm, ciphertext)
  } finally {
    zeroize(der)
  }
}

/** SignByAsymmetricKey: DER signature (RSA: the raw signature). */
export async function signWith(book: KeyBook, key: KeyMetadata, algorithm: SignAlgorithm, message: Uint8Array, messageType: MessageType): Promise<Buffer> {
  const der = await privatePkcs8(book, key)
  try {
    if (algorithm === 'SM2DSA') return sm2SignPkcs8(der, message, messageType)
    return signMessage(algorithm, privateKeyFromPkcs8(der), message, messageType)
  } finally {
    zeroize(der)
  }
}

/** VerifyByAsymmetricKey with the stored public key. */
export async function verifyWith(
  book: KeyBook,
  key: KeyMetadata,
  algorithm: SignAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<boolean> {
  const spki = await publicSpki(book, key)
  if (algorithm === 'SM2DSA') return sm2VerifySpki(spki, message, messageType, signature)
  return verifyMessage(algorithm, publicKeyFromSpki(spki), message, messageType, signature)
}

/** The usage a key needs for `algorithm`. */
export function usageFor(algorithm: SignAlgorithm): KeyMetadata['keyUsage'] {
  return SIGN_ALGORITHM_TABLE[algorithm].usage
}
