import {
  KeywardError, WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS, checkBytes, checkInt, checkKeyId, checkOneOf, needs, zeroize,
  type CallOptions, type KeyMetadata, type GetParametersForImportRequest, type ImportKeyMaterialRequest, type ImportParameters, type WrappingAlgorithm,
} from '@keyward/core'
import type { KeyObject } from 'node:crypto'
import { issueImportParameters, rememberMaterial, unwrapImport } from './byok-import.js'
import { publicKeyFromSpki } from './crypto/key-pairs.js'
import { rsaWrap } from './crypto/rsa.js'
import { checkRequest, requireEnabled, requireExternal, requireState, requireUsage } from './key-rules.js'
import type { KeyBook } from './key-book.js'
import { SoftwareKeyRotation } from './software-key-rotation.js'
import { EXPORTABLE_RECORD } from './software-lifecycle.js'

/**
 * BYOK of the software provider (issue #7): import parameters, import and deletion of key material for
 * EXTERNAL keys, and the software-only export used to migrate an exportable key to another provider.
 */
export abstract class SoftwareKeyImport extends SoftwareKeyRotation {
  /** GetParametersForImport: an RSA-2048 wrapping key and token for an EXTERNAL key, valid 24 h; only the newest is valid. */
  async getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters> {
    const book = this.live(opts)
    checkRequest(req, 'GetParametersForImport')
    checkKeyId(req.keyId)
    checkOneOf('WrappingAlgorithm', req.wrappingAlgorithm, WRAPPING_ALGORITHMS)
    checkOneOf('WrappingKeySpec', req.wrappingKeySpec ?? 'RSA_2048', WRAPPING_KEY_SPECS)
    return book.exclusive(() => this.onGetParametersForImport(book, req))
  }

  protected async onGetParametersForImport(book: KeyBook, req: GetParametersForImportRequest): Promise<ImportParameters> {
    const key = await importableKey(book, req.keyId, 'GetParametersForImport')
    return issueImportParameters(book, key, req.wrappingAlgorithm)
  }

  /**
   * ImportKeyMaterial: unwraps with the token's key (exactly 32 bytes for AES_256, 16 for SM4); optional ValidTo
   * (Unix s, 0 = never). A key that held material before accepts only the identical material. A failure changes nothing.
   */
  async importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkRequest(req, 'ImportKeyMaterial')
    checkKeyId(req.keyId)
    needs(typeof req.importToken === 'string' && req.importToken.length > 0, 'MissingParameter', 'ImportToken is required.')
    checkBytes('EncryptedKeyMaterial', req.encryptedKeyMaterial, 1, 1024)
    const validTo = req.validTo ?? 0
    checkInt('ValidTo', validTo, 0, 0xffffffff)
    await book.exclusive(() => this.onImportKeyMaterial(book, req, validTo))
  }

  protected async onImportKeyMaterial(book: KeyBook, req: ImportKeyMaterialRequest, validTo: number): Promise<void> {
    const key = await importableKey(book, req.keyId, 'ImportKeyMaterial')
    needs(validTo === 0 || validTo > book.now(), 'InvalidParameterValue', 'ValidTo must be in the future (or 0 for never).')
    const { material, mac, firstImport } = await unwrapImport(book, key, req.importToken, req.encryptedKeyMaterial, req.allowedWrappingAlgorithms)
    const hadMaterial = (await book.store.latestVersion(key.keyId)) > 0
    try {
      if (!hadMaterial) await book.addVersion(key.keyId, material)
      if (firstImport) await rememberMaterial(book, key.keyId, mac)
      await book.store.updateKey(key.keyId, { validTo, keyVersionCount: 1, ...(key.keyState === 'PendingImport' ? { keyState: 'Enabled' } : {}) })
    } catch (e) {
      // The store has no multi-call transaction: undo what this import wrote, so a failure changes nothing.
      if (!hadMaterial) await book.store.deleteVersions(key.keyId).catch(() => undefined)
      if (firstImport) await rememberMaterial(book, key.keyId, undefined).catch(() => undefined)
      throw e
    } finally {
      zeroize(material)
    }
  }

  /** DeleteImportedKeyMaterial: the key goes PendingImport and its ciphertexts stop decrypting until re-import. */
  async deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void> {
    const book = this.live(opts)
    checkKeyId(keyId)
    await book.exclusive(() => this.onDeleteImportedKeyMaterial(book, keyId))
  }

  protected async onDeleteImportedKeyMaterial(book: KeyBook, keyId: string): Promise<void> {
    await importableKey(book, keyId, 'DeleteImportedKeyMaterial')
    await book.store.deleteVersions(keyId)
    book.forget(keyId)
    await book.store.updateKey(keyId, { keyState: 'PendingImport', keyVersionCount: 0, validTo: 0 })
  }

  /**
   * Software-only extension for BYOK migration: the key's current symmetric material wrapped with another
   * provider's import public key (DER SPKI, RSA-2048) and algorithm, ready for its ImportKeyMaterial. Only keys
   * created with `exportable: true`; only the newest version travels (blobs of older versions stay here).
   */
  async exportWrappedKeyMaterial(keyId: string, wrappingPublicKeyDer: Uint8Array, wrappingAlgorithm: WrappingAlgorithm, opts?: CallOptions): Promise<Uint8Array> {
    const book = this.live(opts)
    checkKeyId(keyId)
    checkBytes('WrappingPublicKey', wrappingPublicKeyDer, 1, 4096)
    checkOneOf('WrappingAlgorithm', wrappingAlgorithm, WRAPPING_ALGORITHMS)
    const wrappingKey = publicKeyFromSpki(wrappingPublicKeyDer, 'WrappingPublicKey')
    needs(wrappingKey.asymmetricKeyType === 'rsa' && wrappingKey.asymmetricKeyDetails?.modulusLength === 2048, 'InvalidParameterValue', 'WrappingPublicKey must be an RSA-2048 key.')
    return this.onExportWrappedKeyMaterial(book, keyId, wrappingKey, wrappingAlgorithm)
  }

  protected async onExportWrappedKeyMaterial(book: KeyBook, keyId: string, wrappingKey: KeyObject, wrappingAlgorithm: WrappingAlgorithm): Promise<Uint8Array> {
    const key = await book.get(keyId)
    requireUsage(key, ['ENCRYPT_DECRYPT'], 'exportWrappedKeyMaterial')
    requireEnabled(key)
    if (!(await book.store.getRecord(keyId, EXPORTABLE_RECORD))) {
      throw new KeywardError('UnsupportedOperation', `Key ${keyId} was not created exportable; its material cannot leave this provider.`)
    }
    const material = await book.openVersion(keyId, await book.store.latestVersion(keyId))
    if (!material) throw new KeywardError('ResourceUnavailable.CmkStateNotSupport', `Key ${keyId} has no material.`)
    try {
      return rsaWrap(wrappingKey, wrappingAlgorithm, material)
    } finally {
      zeroize(material)
    }
  }
}

/** An EXTERNAL key in a state that takes import operations (call inside the write lock). */
async function importableKey(book: KeyBook, keyId: string, action: string): Promise<KeyMetadata> {
  const key = await book.get(keyId, true)
  requireExternal(key, action)
  requireState(key, ['PendingImport', 'Enabled', 'Disabled'], action)
  return key
}
