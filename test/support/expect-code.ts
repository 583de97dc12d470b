/**
 * The one way tests look at how a call failed. `codeOf` says how it ended; `expectCode` asserts the KeywardError
 * code and hands back the error for further checks. Both take a promise or a function (sync or async).
 */
import { expect } from 'vitest'
import { isKeywardError, type KeywardErrorCode } from '@keyward/core'

/** What {@link codeOf} answers when the call did not throw. */
export const NO_ERROR = 'no error'

/** A call under test: a promise, or a function whose result (or throw) is awaited. */
export type Call = Promise<unknown> | (() => unknown)

async function settle(call: Call): Promise<{ threw: false } | { threw: true; error: unknown }> {
  try {
    await (typeof call === 'function' ? call() : call)
    return { threw: false }
  } catch (error) {
    return { threw: true, error }
  }
}

/**
 * How `call` ended: the KeywardError's code (`code: message` with `withMessage`), the `code` of another error that
 * carries one (the Tencent SDK's exceptions), `not-keyward: …` for anything else thrown, or {@link NO_ERROR}.
 *
 * @example
 * ```ts
 * expect(await codeOf(() => fromBase64('abc'))).toBe('InvalidParameterValue')
 * expect(await codeOf(client.Encrypt({ KeyId: 'nope', Plaintext: 'aGk=' }))).toBe('ResourceUnavailable.CmkNotFound')
 * ```
 */
export async function codeOf(call: Call, options: { withMessage?: boolean } = {}): Promise<string> {
  const r = await settle(call)
  if (!r.threw) return NO_ERROR
  const e = r.error
  if (isKeywardError(e)) return options.withMessage ? `${e.code}: ${e.message}` : e.code
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === 'string') return options.withMessage ? `${code}: ${(e as Error).message}` : code
  return `not-keyward: ${String(e)}`
}

/**
 * Asserts that `call` throws a KeywardError with `code`; returns the error (its message, cause, backendCode…).
 *
 * @example
 * ```ts
 * const e = await expectCode(() => provider.decrypt({ ciphertextBlob }), 'InvalidParameterValue.InvalidCiphertext')
 * ```
 */
export async function expectCode(
  call: Call,
  code: KeywardErrorCode,
): Promise<Error & { code: string; backendCode?: string | undefined }> {
  const r = await settle(call)
  expect(r.threw, `expected a KeywardError ${code}, but the call did not throw`).toBe(true)
  const error = (r as { error: unknown }).error
  expect(isKeywardError(error), `expected a KeywardError ${code}, got ${String(error)}`).toBe(true)
  expect((error as { code: string }).code, (error as Error).message).toBe(code)
  return error as Error & { code: string; backendCode?: string }
}
