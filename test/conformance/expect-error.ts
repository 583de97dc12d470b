import { expect } from 'vitest'
import { DECRYPTION_FAILED_MESSAGE, KeywardError, type KeywardErrorCode } from '@keyward/core'

/**
 * Runs `call` and asserts it fails with a KeywardError whose code is `code` (or one of `code`). Takes a thunk so
 * that a provider throwing synchronously, or crashing with a TypeError, is caught and reported as the failure it is.
 */
export async function expectKeywardError(
  call: () => Promise<unknown> | unknown,
  code: KeywardErrorCode | readonly KeywardErrorCode[],
): Promise<KeywardError> {
  let error: unknown
  try {
    await call()
  } catch (e) {
    error = e
  }
  expect(error, 'expected the call to fail').toBeDefined()
  expect(error, `expected a KeywardError, got ${String(error)}`).toBeInstanceOf(KeywardError)
  const err = error as KeywardError
  const codes: readonly string[] = typeof code === 'string' ? [code] : code
  expect(codes, `unexpected code ${err.code}: ${err.message}`).toContain(err.code)
  return err
}

/** Asserts a decryption failure: InvalidCiphertext with the one fixed message that reveals nothing. */
export async function expectDecryptionFailed(call: () => Promise<unknown> | unknown): Promise<void> {
  const err = await expectKeywardError(call, 'InvalidParameterValue.InvalidCiphertext')
  expect(err.message).toBe(DECRYPTION_FAILED_MESSAGE)
}

/** Asserts the backend refuses an operation it declares it cannot do. */
export function expectUnsupported(call: () => Promise<unknown> | unknown): Promise<KeywardError> {
  return expectKeywardError(call, 'UnsupportedOperation')
}
