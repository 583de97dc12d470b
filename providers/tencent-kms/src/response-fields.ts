import { KeywardError, fromBase64, zeroize, type EncryptionContext } from '@keyward/core'
import type { KmsResponse } from './kms-client.js'

/**
 * Reading the fields of a KMS response defensively: a missing required field or one of the wrong type is a
 * fault of the endpoint (InternalError with the RequestId), never an `undefined` handed to the caller.
 */

function malformed(res: KmsResponse, field: string, expected: string): KeywardError {
  const requestId = typeof res.RequestId === 'string' ? res.RequestId : undefined
  return new KeywardError('InternalError', `The KMS response has no valid ${field} (${expected} expected).`, {
    backendCode: 'bad-response',
    ...(requestId ? { requestId } : {}),
  })
}

/** A required non-empty string field. */
export function requiredString(res: KmsResponse, field: string): string {
  const v = res[field]
  if (typeof v !== 'string' || v.length === 0) throw malformed(res, field, 'a string')
  return v
}

/** A required base64 field, decoded strictly (no silently dropped characters). */
export function requiredBytes(res: KmsResponse, field: string): Buffer {
  const text = requiredString(res, field)
  try {
    return fromBase64(text, field)
  } catch {
    throw malformed(res, field, 'base64')
  }
}

/** A required finite number field. */
export function requiredNumber(res: KmsResponse, field: string): number {
  const v = res[field]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(res, field, 'a number')
  return v
}

/** A required boolean field. */
export function requiredBoolean(res: KmsResponse, field: string): boolean {
  const v = res[field]
  if (typeof v !== 'boolean') throw malformed(res, field, 'a boolean')
  return v
}

/** An optional string, `fallback` when absent. */
export function optionalString(res: KmsResponse, field: string, fallback = ''): string {
  const v = res[field]
  return typeof v === 'string' ? v : fallback
}

/** An optional number, `fallback` when absent (Tencent sends 0 for "not set" times, but may omit them). */
export function optionalNumber(res: KmsResponse, field: string, fallback = 0): number {
  const v = res[field]
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}

/** An optional boolean, `fallback` when absent. */
export function optionalBoolean(res: KmsResponse, field: string, fallback = false): boolean {
  const v = res[field]
  return typeof v === 'boolean' ? v : fallback
}

/** An optional nested object. */
export function optionalObject(res: KmsResponse, field: string): KmsResponse | undefined {
  const v = res[field]
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as KmsResponse) : undefined
}

/**
 * Tencent takes EncryptionContext as a JSON string. Keys are sorted so that the same map always gives the
 * same string, whatever order the caller built it in; an absent or empty context is not sent at all.
 */
export function contextField(name: string, ctx: EncryptionContext | undefined): Record<string, string> {
  if (!ctx) return {}
  const keys = Object.keys(ctx).sort()
  if (keys.length === 0) return {}
  return { [name]: JSON.stringify(Object.fromEntries(keys.map((k) => [k, ctx[k]]))) }
}

/** A base64 field that must decode to exactly `length` bytes: a short key would be a silent truncation. */
export function exactBytes(res: KmsResponse, field: string, length: number): Buffer {
  const bytes = requiredBytes(res, field)
  if (bytes.length !== length) {
    zeroize(bytes)
    throw malformed(res, field, `${length} bytes`)
  }
  return bytes
}
