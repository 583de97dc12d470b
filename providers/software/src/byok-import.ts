import { randomBytes, timingSafeEqual } from 'node:crypto'
import {
  IMPORT_MATERIAL_BYTES,
  KeywardError,
  LIMITS,
  checkImportTokenAlgorithm,
  WRAPPING_ALGORITHMS,
  toBase64,
  zeroize,
  type ImportParameters,
  type KeyMetadata,
  type WrappingAlgorithm,
} from '@keyward/core'
import { generateKeyPairDer, privateKeyFromPkcs8 } from './crypto/key-pairs.js'
import { rsaUnwrap } from './crypto/rsa.js'
import type { KeyBook } from './key-book.js'

/** Record names of the BYOK state of an EXTERNAL key (both sealed under the root key). */
const IMPORT_RECORD = 'importParameters'
const MATERIAL_MAC_RECORD = 'materialMac'
const TOKEN_ID = 16

function tokenTag(book: KeyBook, keyId: string, tokenId: Uint8Array): Buffer {
  return book.root.mac(`import-token\0${keyId}`, tokenId).subarray(0, 16)
}

/**
 * GetParametersForImport: a fresh RSA-2048 pair and token, valid 24 h. Storing it replaces the previous one,
 * which is what makes only the newest token valid. The token is the pair's id plus a MAC binding it to the key,
 * so a token of another key is recognised as such.
 */
export async function issueImportParameters(
  book: KeyBook,
  key: KeyMetadata,
  algorithm: WrappingAlgorithm,
): Promise<ImportParameters> {
  const pair = generateKeyPairDer('RSA_2048')
  const tokenId = randomBytes(TOKEN_ID)
  const validTo = book.now() + LIMITS.importTokenValiditySeconds
  const record = Buffer.alloc(TOKEN_ID + 1 + 4)
  tokenId.copy(record, 0)
  record[TOKEN_ID] = WRAPPING_ALGORITHMS.indexOf(algorithm)
  record.writeUInt32BE(validTo, TOKEN_ID + 1)
  const sealedInput = Buffer.concat([record, pair.privatePkcs8])
  try {
    await book.putSealedRecord(key.keyId, IMPORT_RECORD, sealedInput)
  } finally {
    zeroize(sealedInput, pair.privatePkcs8)
  }
  return {
    keyId: key.keyId,
    importToken: toBase64(Buffer.concat([tokenId, tokenTag(book, key.keyId, tokenId)])),
    publicKey: toBase64(pair.publicSpki),
    parametersValidTo: validTo,
  }
}

/**
 * Checks the token (and, under a compliance profile, its wrapping algorithm) and unwraps the material (exactly the
 * key spec's length), comparing it with the MAC of any material imported before. Writes nothing: the caller stores the
 * result, so a failure changes no state.
 */
export async function unwrapImport(
  book: KeyBook,
  key: KeyMetadata,
  importToken: string,
  wrapped: Uint8Array,
  allowedAlgorithms?: readonly WrappingAlgorithm[],
): Promise<{ material: Buffer; mac: Buffer; firstImport: boolean }> {
  const raw = /^[A-Za-z0-9+/]{43}=$/.test(importToken) ? Buffer.from(importToken, 'base64') : Buffer.alloc(0)
  const tokenId = raw.subarray(0, TOKEN_ID)
  if (raw.length !== 2 * TOKEN_ID || !timingSafeEqual(raw.subarray(TOKEN_ID), tokenTag(book, key.keyId, tokenId))) {
    throw new KeywardError('InvalidParameter', 'ImportToken was not issued for this key.')
  }
  const record = await book.getSealedRecord(key.keyId, IMPORT_RECORD)
  if (!record || !record.subarray(0, TOKEN_ID).equals(tokenId) || book.now() >= record.readUInt32BE(TOKEN_ID + 1)) {
    zeroize(record)
    throw new KeywardError(
      'ResourceUnavailable.TokenExpired',
      'ImportToken has expired or was superseded by a newer GetParametersForImport.',
    )
  }
  const algorithm = WRAPPING_ALGORITHMS[record[TOKEN_ID] as number] as WrappingAlgorithm
  try {
    checkImportTokenAlgorithm(allowedAlgorithms, algorithm)
  } catch (e) {
    zeroize(record)
    throw e
  }
  const pkcs8 = record.subarray(TOKEN_ID + 5)
  let material: Buffer
  try {
    const spec = key.keySpec === 'SM4' ? 'SM4' : 'AES_256'
    material = rsaUnwrap(privateKeyFromPkcs8(pkcs8), algorithm, wrapped, IMPORT_MATERIAL_BYTES[spec])
  } finally {
    zeroize(record)
  }
  const mac = book.root.mac(`material\0${key.keyId}`, material)
  const previous = await book.getSealedRecord(key.keyId, MATERIAL_MAC_RECORD)
  if (previous && !timingSafeEqual(previous, mac)) {
    zeroize(material)
    throw new KeywardError(
      'InvalidParameterValue.MaterialNotMatch',
      'This key held different material before; only the identical material can be re-imported.',
    )
  }
  return { material, mac, firstImport: previous === undefined }
}

/**
 * Stores (or, with undefined, forgets) the MAC of the first material imported into a key; it is kept across
 * DeleteImportedKeyMaterial.
 */
export async function rememberMaterial(book: KeyBook, keyId: string, mac: Buffer | undefined): Promise<void> {
  await book.putSealedRecord(keyId, MATERIAL_MAC_RECORD, mac)
}
