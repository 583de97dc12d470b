import { isKeywardError, type KeywardErrorCode } from '@keyward/core'
import { expect } from 'vitest'
import { Pkcs11KeyProvider, type Pkcs11ProviderOptions } from '@keyward/provider-pkcs11'
import type { SoftHsmToken } from '../../../test/support/softhsm.js'

/** A provider on the throwaway token, with options overridden. */
export function providerOn(token: SoftHsmToken, options: Partial<Pkcs11ProviderOptions> = {}): Pkcs11KeyProvider {
  return new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin, ...options })
}

/** Awaits `call`, asserts it throws a KeywardError with `code`, returns the error. */
export async function expectCode(call: () => unknown, code: KeywardErrorCode): Promise<Error & { code: string; backendCode?: string | undefined }> {
  let error: unknown
  try {
    await call()
  } catch (e) {
    error = e
  }
  expect(isKeywardError(error), `expected a KeywardError ${code}, got ${String(error)}`).toBe(true)
  expect((error as { code: string }).code, (error as Error).message).toBe(code)
  return error as Error & { code: string; backendCode?: string }
}
