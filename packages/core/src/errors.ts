/**
 * One error class for everything Keyward throws. `code` is stable and, where Tencent KMS has a code for the
 * same situation, it is Tencent's code, so that the server can return it verbatim and callers of either
 * world branch on the same strings.
 */

/** How a failed call may be retried (seed 004: cancel / retry / delayed retry). */
export type RetryClass = 'cancel' | 'retry' | 'delayed-retry'

interface CodeInfo {
  /** What a caller should do about it. */
  readonly hint: string
  readonly retry: RetryClass
}

/** Every code Keyward throws, with what to do and whether a retry can help. Data, not scattered literals. */
export const ERROR_CODES = {
  InvalidParameter: { hint: 'Fix the request parameter named in the message.', retry: 'cancel' },
  InvalidParameterValue: { hint: 'Fix the value named in the message.', retry: 'cancel' },
  MissingParameter: { hint: 'Add the missing parameter.', retry: 'cancel' },
  UnknownParameter: {
    hint: 'The Action does not define that parameter: check its spelling (the message names the closest one).',
    retry: 'cancel',
  },
  'InvalidParameterValue.InvalidKeyId': { hint: 'Pass a KeyId returned by CreateKey.', retry: 'cancel' },
  'InvalidParameterValue.InvalidAlias': {
    hint: 'Aliases are 1-60 characters of [A-Za-z0-9_-] and must not start with "KMS-".',
    retry: 'cancel',
  },
  'InvalidParameterValue.AliasAlreadyExists': {
    hint: 'Choose an alias no other key of this owner uses.',
    retry: 'cancel',
  },
  'InvalidParameterValue.InvalidCiphertext': {
    hint: 'The ciphertext is not one this provider produced, was altered, or the EncryptionContext differs.',
    retry: 'cancel',
  },
  'InvalidParameterValue.InvalidPlaintext': { hint: 'Plaintext must be 1-4096 bytes.', retry: 'cancel' },
  'InvalidParameterValue.InvalidIndexValue': {
    hint: "The value does not pass its blind index's normaliser (phone number, 身份证 checksum, card Luhn check, e-mail): fix the input; nothing was indexed.",
    retry: 'cancel',
  },
  'InvalidParameterValue.MaterialNotMatch': {
    hint: 'Re-import exactly the key material imported before.',
    retry: 'cancel',
  },
  'InvalidParameter.DecryptMaterialError': {
    hint: 'Wrap the key material with the public key and algorithm of the current import token.',
    retry: 'cancel',
  },
  'InvalidParameter.InvalidPendingWindowInDays': {
    hint: 'PendingWindowInDays must be an integer from 7 to 30.',
    retry: 'cancel',
  },
  'ResourceUnavailable.CmkNotFound': { hint: 'No such key (or it is not visible to this account).', retry: 'cancel' },
  'ResourceUnavailable.CmkDisabled': { hint: 'Enable the key first (EnableKey).', retry: 'cancel' },
  'ResourceUnavailable.CmkArchived': { hint: 'Cancel the archive first (CancelKeyArchive).', retry: 'cancel' },
  'ResourceUnavailable.CmkStateNotSupport': {
    hint: 'The key state does not allow this operation; DescribeKey shows it.',
    retry: 'cancel',
  },
  'ResourceUnavailable.CmkShouldBeDisabled': { hint: 'Disable the key before this operation.', retry: 'cancel' },
  'ResourceUnavailable.TokenExpired': {
    hint: 'Call GetParametersForImport again and wrap with the new public key.',
    retry: 'cancel',
  },
  UnsupportedOperation: { hint: 'This provider cannot do that; its capabilities list what it can.', retry: 'cancel' },
  'UnsupportedOperation.NotUserCreatedCmk': {
    hint: 'Only keys with Origin EXTERNAL take imported material.',
    retry: 'cancel',
  },
  'UnsupportedOperation.UnsupportedKeyUsage': {
    hint: 'Use a key whose KeyUsage allows this operation.',
    retry: 'cancel',
  },
  'UnsupportedOperation.ComplianceProfile': {
    hint: "The deployment's compliance profile (gm or fips) forbids this algorithm; the message names the allowed alternative.",
    retry: 'cancel',
  },
  'LimitExceeded.CmkLimitExceeded': { hint: 'Delete unused keys or raise the limit.', retry: 'cancel' },
  'AuthFailure.SignatureFailure': { hint: 'Check the SecretKey and the signing of the request.', retry: 'cancel' },
  'AuthFailure.SignatureExpire': {
    hint: 'The request timestamp is more than 300 s off; check the clock.',
    retry: 'cancel',
  },
  'AuthFailure.SecretIdNotFound': { hint: 'Check the SecretId.', retry: 'cancel' },
  'AuthFailure.InvalidAuthorization': { hint: 'The Authorization header is malformed.', retry: 'cancel' },
  UnauthorizedOperation: { hint: 'The account policy does not allow this action on this key.', retry: 'cancel' },
  InvalidAction: { hint: 'Check the Action name.', retry: 'cancel' },
  RequestLimitExceeded: { hint: 'Throttled: back off and retry.', retry: 'delayed-retry' },
  InternalError: { hint: 'A transient server fault: retry.', retry: 'retry' },
  'FailedOperation.NetworkError': {
    hint: 'The endpoint could not be reached or the connection reset: retry.',
    retry: 'retry',
  },
  'FailedOperation.Timeout': { hint: 'The call did not finish within its deadline.', retry: 'retry' },
  'FailedOperation.Aborted': { hint: 'The caller aborted the call.', retry: 'cancel' },
  'FailedOperation.ProviderUnavailable': {
    hint: 'The provider is closed, misconfigured or its backend (module, token, store) is unavailable.',
    retry: 'cancel',
  },
  'FailedOperation.LoginFailed': { hint: 'Check the PIN; repeated failures may lock the token.', retry: 'cancel' },
  'FailedOperation.InvalidMessage': {
    hint: 'The message is not a valid Keyward message, or it was altered.',
    retry: 'cancel',
  },
  'FailedOperation.StoreError': { hint: 'The key store could not be read or written.', retry: 'cancel' },
} as const satisfies Record<string, CodeInfo>

/** A stable Keyward error code. */
export type KeywardErrorCode = keyof typeof ERROR_CODES

/** The one message every decryption failure carries, so failures leak nothing about which check failed. */
export const DECRYPTION_FAILED_MESSAGE =
  'Decryption failed: the ciphertext is invalid, was altered, or the encryption context does not match.'

/** Options for {@link KeywardError}. */
export interface KeywardErrorOptions {
  cause?: unknown
  /** The request id of the remote call that failed, when there was one. */
  requestId?: string
  /** The backend's own code when it differs from ours (e.g. a PKCS#11 `CKR_*` or an HTTP status). */
  backendCode?: string
}

/**
 * The error Keyward throws for every failure the caller can do something about.
 *
 * @example
 * ```ts
 * try { await provider.decrypt({ ciphertextBlob }) }
 * catch (e) { if (isKeywardError(e, 'InvalidParameterValue.InvalidCiphertext')) reportTamper() }
 * ```
 */
export class KeywardError extends Error {
  override readonly name = 'KeywardError'
  readonly code: KeywardErrorCode
  readonly requestId: string | undefined
  readonly backendCode: string | undefined

  constructor(code: KeywardErrorCode, message: string, options: KeywardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.requestId = options.requestId
    this.backendCode = options.backendCode
  }

  /** What the caller should do, from {@link ERROR_CODES}. */
  get hint(): string {
    return ERROR_CODES[this.code].hint
  }

  /** Whether and how a retry may help. */
  get retryClass(): RetryClass {
    return ERROR_CODES[this.code].retry
  }

  toJSON(): { name: string; code: string; message: string; requestId?: string; backendCode?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.requestId ? { requestId: this.requestId } : {}),
      ...(this.backendCode ? { backendCode: this.backendCode } : {}),
    }
  }
}

/** True when `e` is a {@link KeywardError}, optionally with the given code. */
export function isKeywardError(e: unknown, code?: KeywardErrorCode): e is KeywardError {
  return e instanceof KeywardError && (code === undefined || e.code === code)
}

/** True when `code` is one of Keyward's stable codes. */
export function isKeywardErrorCode(code: string): code is KeywardErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code)
}

/** The error every decryption failure becomes: fixed message, the real reason kept only as `cause`. */
export function decryptionFailed(cause?: unknown): KeywardError {
  return new KeywardError('InvalidParameterValue.InvalidCiphertext', DECRYPTION_FAILED_MESSAGE, { cause })
}
