import { KeywardError } from '@keyward/core'

/** A store failure with the SQLite error kept as `cause` (never shown to API callers as text of its own). */
export function storeError(what: string, cause: unknown): KeywardError {
  return new KeywardError('FailedOperation.StoreError', `Key store: ${what} failed.`, { cause })
}

/** The store's "no such key", with Tencent's code. */
export function notFound(keyId: string): KeywardError {
  return new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId} does not exist.`)
}

/**
 * Maps what a write transaction threw: our own KeywardErrors pass through, the unique alias index becomes
 * AliasAlreadyExists, a duplicate KeyId InvalidParameterValue, anything else a StoreError.
 */
export function writeError(what: string, e: unknown, alias?: string, keyId?: string): KeywardError {
  if (e instanceof KeywardError) return e
  const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : ''
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && alias !== undefined) {
    return new KeywardError(
      'InvalidParameterValue.AliasAlreadyExists',
      `Alias ${alias} is already used by another key.`,
    )
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && keyId !== undefined) {
    return new KeywardError('InvalidParameterValue', `Key ${keyId} exists.`)
  }
  return storeError(what, e)
}
