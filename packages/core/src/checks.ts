import { KeywardError, type KeywardErrorCode } from './errors.js'

/**
 * Precondition guard: throws a KeywardError with `code` and `message` unless `condition` holds.
 * Public methods state their preconditions with it before doing any work (see DESIGN.md §4).
 */
export function needs(condition: unknown, code: KeywardErrorCode, message: string): asserts condition {
  if (!condition) throw new KeywardError(code, message)
}

/** A byte array of `min`..`max` bytes; `field` names it in the error. */
export function checkBytes(field: string, value: unknown, min: number, max: number): asserts value is Uint8Array {
  needs(value instanceof Uint8Array, 'InvalidParameter', `${field} must be bytes (Uint8Array/Buffer).`)
  needs(
    value.byteLength >= min && value.byteLength <= max,
    'InvalidParameterValue',
    min === max
      ? `${field} must be exactly ${min} bytes, got ${value.byteLength}.`
      : `${field} must be ${min}-${max} bytes, got ${value.byteLength}.`,
  )
}

/** An integer in [min, max]. */
export function checkInt(
  field: string,
  value: unknown,
  min: number,
  max: number,
  code: KeywardErrorCode = 'InvalidParameterValue',
): asserts value is number {
  needs(
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    code,
    `${field} must be an integer from ${min} to ${max}, got ${String(value)}.`,
  )
}

/** One of the values of a table such as KEY_USAGES. */
export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): asserts value is T {
  // The message (a join of the table) is built only on failure: this check runs on every Sign and Encrypt.
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return
  throw new KeywardError(
    'InvalidParameterValue',
    `${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`,
  )
}

/** A non-empty string of at most `max` characters. */
export function checkString(field: string, value: unknown, max: number, min = 1): asserts value is string {
  needs(typeof value === 'string', 'MissingParameter', `${field} is required and must be a string.`)
  needs(
    value.length >= min && value.length <= max,
    'InvalidParameterValue',
    `${field} must be ${min}-${max} characters.`,
  )
}

/**
 * A request argument is an object (a null, an array or a string from an untyped caller is a bad request, not a crash).
 */
export function checkRequestObject(req: unknown, action: string): asserts req is object {
  needs(
    req !== null && typeof req === 'object' && !Array.isArray(req),
    'MissingParameter',
    `${action} needs a request object.`,
  )
}
