import { KeywardError, isKeywardError } from '@keyward/core'

/** The `CKR_*` name of a pkcs11js/graphene error, or undefined for anything else. */
export function ckrOf(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined
  const m = /\b(CKR_[A-Z_]+)\b/.exec(e.message)
  return m?.[1]
}

/** Codes after which the session (or the whole module) must be reopened; the call is retried once. */
const SESSION_LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_SLOT_ID_INVALID',
])

/** Codes meaning the PIN is wrong or unusable: never retried, a retry could lock the token. */
const LOGIN_FAILED = new Set([
  'CKR_PIN_INCORRECT',
  'CKR_PIN_INVALID',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_LOCKED',
  'CKR_PIN_EXPIRED',
])

/** Codes meaning a cached object handle is stale (object deleted, or handles renumbered after a reopen). */
const HANDLE_GONE = new Set(['CKR_OBJECT_HANDLE_INVALID', 'CKR_KEY_HANDLE_INVALID'])

/**
 * True when the token itself failed the call (a CKR_* code on the error or its cause), as opposed to a check of
 * ours refusing before or after it: after such a failure the session may hold an unfinished operation.
 */
export function isTokenFailure(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    if (ckrOf(cur) !== undefined) return true
    const backend = (cur as { backendCode?: unknown }).backendCode
    if (typeof backend === 'string' && backend.startsWith('CKR_')) return true
  }
  return false
}

/** True when the failure means "reopen the session/module and retry once". */
export function isSessionLost(e: unknown): boolean {
  const c = ckrOf(e)
  return c !== undefined && SESSION_LOST.has(c)
}

/** True when the token rejected the PIN (never retried). */
export function isLoginFailure(e: unknown): boolean {
  const c = ckrOf(e)
  return c !== undefined && LOGIN_FAILED.has(c)
}

/** True when an object handle is stale (the object is found again, once). */
export function isHandleGone(e: unknown): boolean {
  const c = ckrOf(e)
  return c !== undefined && HANDLE_GONE.has(c)
}

/**
 * Turns anything a PKCS#11 call threw into a KeywardError: the CKR name is kept as `backendCode`, the original
 * error as `cause`; `what` says which operation failed. KeywardErrors pass through.
 */
export function toKeywardError(e: unknown, what: string): KeywardError {
  if (isKeywardError(e)) return e
  const ckr = ckrOf(e)
  const opts = { cause: e, ...(ckr ? { backendCode: ckr } : {}) }
  if (ckr && LOGIN_FAILED.has(ckr))
    return new KeywardError('FailedOperation.LoginFailed', `The token rejected the user PIN (${ckr}).`, opts)
  if (ckr && SESSION_LOST.has(ckr))
    return new KeywardError(
      'FailedOperation.ProviderUnavailable',
      `${what}: the token or its session is unavailable (${ckr}).`,
      opts,
    )
  if (ckr === 'CKR_MECHANISM_INVALID' || ckr === 'CKR_MECHANISM_PARAM_INVALID' || ckr === 'CKR_ARGUMENTS_BAD') {
    return new KeywardError(
      'UnsupportedOperation',
      `${what}: the token does not support this mechanism or its parameters (${ckr}).`,
      opts,
    )
  }
  if (ckr === 'CKR_FUNCTION_NOT_SUPPORTED') {
    return new KeywardError(
      'UnsupportedOperation',
      `${what}: the token does not implement the PKCS#11 function this needs (${ckr}).`,
      opts,
    )
  }
  return new KeywardError('InternalError', `${what} failed in the token${ckr ? ` (${ckr})` : ''}.`, opts)
}
