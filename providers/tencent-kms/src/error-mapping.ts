import {
  DECRYPTION_FAILED_MESSAGE,
  KeywardError,
  isKeywardError,
  isKeywardErrorCode,
  type KeywardErrorCode,
} from '@keyward/core'

/**
 * Turns what the Tencent SDK throws into KeywardErrors. The SDK throws `TencentCloudSDKHttpException` for
 * everything: with `.code` for an API error, with `.httpCode` for a non-200 response, and with neither (only
 * node-fetch's message) for a network failure or timeout. Tencent's code becomes the KeywardError code when
 * it is one of ours, else the closest of ours with Tencent's kept as `backendCode`; the RequestId is kept.
 */

/** The fields of TencentCloudSDKHttpException we read (structural: the SDK is not imported here). */
interface SdkErrorShape {
  message?: unknown
  code?: unknown
  httpCode?: unknown
  requestId?: unknown
}

/** Tencent code prefixes we have no exact code for, in order, with the code each becomes. */
const PREFIX_MAP: ReadonlyArray<readonly [RegExp, KeywardErrorCode]> = [
  [/^RequestLimitExceeded/, 'RequestLimitExceeded'],
  [/^(InternalError|InternalServerError|ServiceUnavailable)/, 'InternalError'],
  [/^AuthFailure\.UnauthorizedOperation/, 'UnauthorizedOperation'],
  [/^AuthFailure/, 'AuthFailure.InvalidAuthorization'],
  [/^UnauthorizedOperation/, 'UnauthorizedOperation'],
  [/^InvalidParameterValue/, 'InvalidParameterValue'],
  [/^(InvalidParameter|UnknownParameter|InvalidRequest|RequestSizeLimitExceeded)/, 'InvalidParameter'],
  [/^MissingParameter/, 'MissingParameter'],
  [/^ResourceUnavailable\.(NotPurchased|ServiceNotPurchased|NotEnabled)/, 'FailedOperation.ProviderUnavailable'],
  [/^ResourceUnavailable\.KeyDisabled/, 'ResourceUnavailable.CmkDisabled'],
  [/^(ResourceUnavailable|ResourceInUse)/, 'ResourceUnavailable.CmkStateNotSupport'],
  [/^ResourceNotFound/, 'ResourceUnavailable.CmkNotFound'],
  [/^UnsupportedOperation\.UnsupportedKeyUsage/, 'UnsupportedOperation.UnsupportedKeyUsage'],
  [/^(UnsupportedOperation|UnsupportedRegion|UnsupportedProtocol|ActionOffline|NoSuchVersion)/, 'UnsupportedOperation'],
  [/^LimitExceeded/, 'LimitExceeded.CmkLimitExceeded'],
  [/^InvalidAction/, 'InvalidAction'],
]

/** Actions whose InvalidCiphertext must read as the one fixed decryption-failure message. */
const DECRYPTING_ACTIONS = new Set(['Decrypt', 'ReEncrypt', 'AsymmetricRsaDecrypt', 'AsymmetricSm2Decrypt'])

/** node-fetch / socket messages that mean the connection failed or broke: worth a retry. */
const NETWORK =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|socket hang up|Premature close|failed, reason:/i
const TIMEOUT = /network timeout at|request-timeout/i
/** The connection was never made, so the request cannot have been processed. */
const NOT_SENT = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND/i

/**
 * Maps one failure of `action` to a KeywardError (KeywardErrors pass through unchanged).
 *
 * @example
 * ```ts
 * try { await client.request('Encrypt', req, {}) } catch (e) { throw mapTencentError(e, 'Encrypt') }
 * ```
 */
export function mapTencentError(e: unknown, action: string): KeywardError {
  if (isKeywardError(e)) return e
  const err = (e ?? {}) as SdkErrorShape
  const message = typeof err.message === 'string' ? err.message : String(e)
  const requestId = typeof err.requestId === 'string' && err.requestId ? err.requestId : undefined
  if (typeof err.code === 'string' && err.code) return fromApiCode(err.code, message, action, requestId, e)
  if (typeof err.httpCode === 'number') return fromHttpStatus(err.httpCode, message, action, requestId, e)
  if (TIMEOUT.test(message)) {
    return new KeywardError('FailedOperation.Timeout', `${action}: no answer within the request timeout.`, {
      cause: e,
      backendCode: 'request-timeout',
    })
  }
  if (NETWORK.test(message)) {
    const backendCode = NOT_SENT.test(message) ? 'connection-refused' : 'connection-failed'
    return new KeywardError('FailedOperation.NetworkError', `${action}: ${message}`, { cause: e, backendCode })
  }
  // A 200 response that is not the KMS JSON envelope (a proxy page, a truncated body): a fault of the far side.
  return new KeywardError('InternalError', `${action}: unexpected response from the KMS endpoint: ${message}`, {
    cause: e,
    backendCode: 'bad-response',
  })
}

function fromApiCode(
  code: string,
  message: string,
  action: string,
  requestId: string | undefined,
  cause: unknown,
): KeywardError {
  // Decrypt names no key: the key comes from the blob, so "no such key" says only that the blob is not one of
  // ours (or its key is gone) and must not become an oracle on which part of a tampered blob was changed.
  const blobKeyUnknown = code === 'ResourceUnavailable.CmkNotFound' && action === 'Decrypt'
  if ((code === 'InvalidParameterValue.InvalidCiphertext' && DECRYPTING_ACTIONS.has(action)) || blobKeyUnknown) {
    // Same fixed message as decryptionFailed(), plus the RequestId so the call can be traced at Tencent.
    return new KeywardError('InvalidParameterValue.InvalidCiphertext', DECRYPTION_FAILED_MESSAGE, {
      cause,
      ...(blobKeyUnknown ? { backendCode: code } : {}),
      ...(requestId ? { requestId } : {}),
    })
  }
  const text = `${action}: ${message}`
  const ids = requestId ? { requestId } : {}
  if (isKeywardErrorCode(code)) return new KeywardError(code, text, { cause, ...ids })
  const mapped = PREFIX_MAP.find(([re]) => re.test(code))?.[1] ?? 'InternalError'
  return new KeywardError(mapped, text, { cause, backendCode: code, ...ids })
}

function fromHttpStatus(
  status: number,
  message: string,
  action: string,
  requestId: string | undefined,
  cause: unknown,
): KeywardError {
  const code: KeywardErrorCode =
    status === 429
      ? 'RequestLimitExceeded'
      : status >= 500
        ? 'InternalError'
        : status === 401 || status === 403
          ? 'AuthFailure.InvalidAuthorization'
          : status === 404
            ? 'InvalidAction'
            : 'InvalidParameter'
  return new KeywardError(code, `${action}: HTTP ${status} ${message}`.trim(), {
    cause,
    backendCode: `HTTP ${status}`,
    ...(requestId ? { requestId } : {}),
  })
}
