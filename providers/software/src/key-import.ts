import type { KeyObject } from 'node:crypto'
import {
  KeywardError,
  WRAPPING_ALGORITHMS,
  checkBytes,
  checkOneOf,
  needs,
  zeroize,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyMetadata,
  type WrappingAlgorithm,
} from '@keyward/core'
import { issueImportParameters, rememberMaterial, unwrapImport } from './byok-import.js'
import { publicKeyFromSpki } from './crypto/key-pairs.js'
import { rsaWrap } from './crypto/rsa.js'
import type { KeyBook } from './key-book.js'
import { EXPORTABLE_RECORD } from './key-creation.js'
import { requireExternal, requireState, usableKey } from './key-rules.js'

/**
 * BYOK of the software provider: import parameters, import and deletion of key material for EXTERNAL keys (the
 * token and unwrap: byok-import.ts), and the software-only export used to migrate an exportable key elsewhere.
 */

/** GetParametersForImport: an RSA-2048 wrapping key and token, valid 24 h; only the newest is valid. */
export function getParametersForImport(book: KeyBook, req: GetParametersForImportRequest): Promise<ImportParameters> {
  return book.exclusive(async () =>
    issueImportParameters(book, await importableKey(book, req.keyId, 'GetParametersForImport'), req.wrappingAlgorithm),
  )
}

/**
 * ImportKeyMaterial: unwraps with the token's key (exactly 32 bytes for AES_256, 16 for SM4); ValidTo must be in the
 * future or 0. A key that held material before accepts only the identical material. A failure changes nothing.
 */
export function importKeyMaterial(book: KeyBook, req: ImportKeyMaterialRequest): Promise<void> {
  const validTo = req.validTo ?? 0
  return book.exclusive(async () => {
    const key = await importableKey(book, req.keyId, 'ImportKeyMaterial')
    needs(
      validTo === 0 || validTo > book.now(),
      'InvalidParameterValue',
      'ValidTo must be in the future (or 0 for never).',
    )
    const { material, mac, firstImport } = await unwrapImport(
      book,
      key,
      req.importToken,
      req.encryptedKeyMaterial,
      req.allowedWrappingAlgorithms,
    )
    const hadMaterial = (await book.store.latestVersion(key.keyId)) > 0
    try {
      if (!hadMaterial) await book.addVersion(key.keyId, material)
      if (firstImport) await rememberMaterial(book, key.keyId, mac)
      await book.store.updateKey(key.keyId, {
        validTo,
        keyVersionCount: 1,
        ...(key.keyState === 'PendingImport' ? { keyState: 'Enabled' } : {}),
      })
    } catch (e) {
      // The store has no multi-call transaction: undo what this import wrote, so a failure changes nothing.
      if (!hadMaterial) await book.store.deleteVersions(key.keyId).catch(() => undefined)
      if (firstImport) await rememberMaterial(book, key.keyId, undefined).catch(() => undefined)
      throw e
    } finally {
      zeroize(material)
    }
  })
}

/** DeleteImportedKeyMaterial: the key goes PendingImport and its ciphertexts stop decrypting until re-import. */
export function deleteImportedKeyMaterial(book: KeyBook, keyId: string): Promise<void> {
  return book.exclusive(async () => {
    await importableKey(book, keyId, 'DeleteImportedKeyMaterial')
    await book.store.deleteVersions(keyId)
    book.forget(keyId)
    await book.store.updateKey(keyId, { keyState: 'PendingImport', keyVersionCount: 0, validTo: 0 })
  })
}

/** The software-only export's input: an RSA-2048 SPKI (≤ 4096 bytes) and a wrapping algorithm; returns the key. */
export function checkExportWrappedKeyMaterial(
  wrappingPublicKeyDer: Uint8Array,
  wrappingAlgorithm: WrappingAlgorithm,
): KeyObject {
  checkBytes('WrappingPublicKey', wrappingPublicKeyDer, 1, 4096)
  checkOneOf('WrappingAlgorithm', wrappingAlgorithm, WRAPPING_ALGORITHMS)
  const key = publicKeyFromSpki(wrappingPublicKeyDer, 'WrappingPublicKey')
  needs(
    key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === 2048,
    'InvalidParameterValue',
    'WrappingPublicKey must be an RSA-2048 key.',
  )
  return key
}

/** exportWrappedKeyMaterial: the newest version of an exportable key, wrapped for another provider's import. */
export async function exportWrappedKeyMaterial(
  book: KeyBook,
  keyId: string,
  wrappingKey: KeyObject,
  wrappingAlgorithm: WrappingAlgorithm,
): Promise<Uint8Array> {
  await usableKey(book, keyId, ['ENCRYPT_DECRYPT'], 'exportWrappedKeyMaterial')
  if (!(await book.store.getRecord(keyId, EXPORTABLE_RECORD))) {
    throw new KeywardError(
      'UnsupportedOperation',
      `Key ${keyId} was not created exportable; its material cannot leave this provider.`,
    )
  }
  const material = await book.openVersion(keyId, await book.store.latestVersion(keyId))
  if (!material) throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} has no material.`)
  try {
    return rsaWrap(wrappingKey, wrappingAlgorithm, material)
  } finally {
    zeroize(material)
  }
}

/** An EXTERNAL key in a state that takes import operations (call inside the write lock). */
async function importableKey(book: KeyBook, keyId: string, action: string): Promise<KeyMetadata> {
  const key = await book.get(keyId, true)
  requireExternal(key, action)
  requireState(key, ['PendingImport', 'Enabled', 'Disabled'], action)
  return key
}
