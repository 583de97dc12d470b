import { needs, newKeyMetadata, zeroize, type KeyMetadata } from '@keyward/core'
import { PUBLIC_KEY_RECORD } from './asymmetric-ops.js'
import { generateKeyPairDer, type AsymmetricSpec } from './crypto/key-pairs.js'
import type { KeyBook } from './key-book.js'
import type { SoftwareCreateKeyRequest } from './provider-options.js'

/** Record marking a key whose material may leave the provider wrapped (exportWrappedKeyMaterial). */
export const EXPORTABLE_RECORD = 'exportable'

/**
 * The software provider's own CreateKey field, checked after core's checkCreateKey: `exportable` is a boolean and
 * applies to symmetric keys only.
 */
export function checkSoftwareCreateKey(req: SoftwareCreateKeyRequest): void {
  needs(
    req.exportable === undefined || typeof req.exportable === 'boolean',
    'InvalidParameterValue',
    'exportable must be a boolean.',
  )
  needs(
    !req.exportable || (req.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT',
    'InvalidParameterValue',
    'Only ENCRYPT_DECRYPT keys can be exportable.',
  )
}

/**
 * CreateKey (call inside the key book's write lock). Type 1 generates material now (AES-256 or SM4, RSA-2048,
 * P-256, SM2); Type 2 (EXTERNAL) starts PendingImport with no material. A failure leaves no key behind.
 */
export async function createKey(book: KeyBook, req: SoftwareCreateKeyRequest): Promise<KeyMetadata> {
  const type = req.type ?? 1
  const key = newKeyMetadata(req, book.now(), type === 2 ? 0 : 1)
  const keySpec = key.keySpec
  // Generate before inserting, so that a key kind we cannot make leaves nothing behind.
  const pair = key.keyUsage !== 'ENCRYPT_DECRYPT' ? generateKeyPairDer(keySpec as AsymmetricSpec) : undefined
  try {
    await book.store.insertKey(key)
    try {
      if (pair) {
        await book.addVersion(key.keyId, pair.privatePkcs8)
        await book.store.putRecord(key.keyId, PUBLIC_KEY_RECORD, pair.publicSpki)
      } else if (type === 1) {
        await book.addSymmetricVersion(key.keyId, keySpec === 'SM4' ? 'SM4' : 'AES_256')
      }
      if (req.exportable) await book.store.putRecord(key.keyId, EXPORTABLE_RECORD, Uint8Array.of(1))
    } catch (e) {
      await book.store.deleteKey(key.keyId).catch(() => undefined)
      throw e
    }
  } finally {
    zeroize(pair?.privatePkcs8)
  }
  return { ...key }
}
