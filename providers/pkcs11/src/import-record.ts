import { KeywardError, type KeyStore, type WrappingAlgorithm } from '@keyward/core'

/** The current import parameters of an EXTERNAL key, kept in the store (only the newest is valid). */
export interface ImportRecord {
  token: string
  algorithm: WrappingAlgorithm
  /** Unix seconds. */
  validTo: number
}

const IMPORT = 'pkcs11-import'
const KCV = 'pkcs11-kcv'

/** The key's current import record, if any; a corrupt record is a StoreError. */
export async function readImportRecord(store: KeyStore, keyId: string): Promise<ImportRecord | undefined> {
  const raw = await store.getRecord(keyId, IMPORT)
  if (!raw) return undefined
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as ImportRecord
  } catch (e) {
    throw new KeywardError('FailedOperation.StoreError', `The import record of key ${keyId} is corrupt.`, { cause: e })
  }
}

/** Replaces the key's import record (the previous token stops being valid). */
export async function writeImportRecord(store: KeyStore, keyId: string, record: ImportRecord): Promise<void> {
  await store.putRecord(keyId, IMPORT, Buffer.from(JSON.stringify(record), 'utf8'))
}

/** The key check value of the first material imported into a key: re-imports must match it. */
export function readKcv(store: KeyStore, keyId: string): Promise<Uint8Array | undefined> {
  return store.getRecord(keyId, KCV)
}

/** Stores the key check value of the first imported material. */
export function writeKcv(store: KeyStore, keyId: string, kcv: Uint8Array): Promise<void> {
  return store.putRecord(keyId, KCV, kcv)
}
