import { KeywardError } from '@keyward/core'

/**
 * A normaliser turns one way of writing a value into the one form that is indexed, so that `138 0013 8000` and
 * `+86 138-0013-8000` find the same row; it throws {@link invalidIndexValue} on input that is not a value of its
 * kind, so garbage is never indexed. Normalisers must be deterministic (same input, same output, in every process
 * and version), or lookups stop finding rows.
 *
 * @example
 * ```ts
 * const customerNo: Normalizer = (v) => {
 *   if (!/^C\d{8}$/.test(v)) throw invalidIndexValue('customer number', 'expected C + 8 digits')
 *   return v
 * }
 * ```
 */
export type Normalizer = (value: string) => string

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/** Longest input a normaliser looks at; anything longer is refused before any regular expression runs. */
export const MAX_INDEX_INPUT_CHARS = 1024

/**
 * The error every normaliser throws for a value it cannot index: code `InvalidParameterValue.InvalidIndexValue`,
 * a message naming the kind of value and the reason — never the value itself (it is personal data, and error
 * messages end up in logs).
 *
 * @example
 * ```ts
 * throw invalidIndexValue('bank card number', 'the Luhn check digit does not match')
 * ```
 */
export function invalidIndexValue(kind: string, reason: string): KeywardError {
  return new KeywardError('InvalidParameterValue.InvalidIndexValue', `Not a valid ${kind}: ${reason}.`)
}

/**
 * The text a normaliser starts from: a string (or a safe integer, as phone numbers often are in JSON), trimmed and
 * NFKC-folded by default, so that full-width digits and letters typed by Chinese input methods (`１３８`, `ｘ`)
 * become ASCII; `NFC` for text whose meaning compatibility folding could change (names, e-mail local parts).
 */
export function prepared(kind: string, value: unknown, form: 'NFKC' | 'NFC' = 'NFKC'): string {
  let s: string
  if (typeof value === 'string') s = value
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) s = String(value)
  else throw invalidIndexValue(kind, `expected a string, got ${value === null ? 'null' : typeof value}`)
  if (s.length > MAX_INDEX_INPUT_CHARS) throw invalidIndexValue(kind, `longer than ${MAX_INDEX_INPUT_CHARS} characters`)
  // Printable ASCII is its own NFC and NFKC form: skip the Unicode tables for it (the common case, and the hot path).
  s = (PRINTABLE_ASCII.test(s) ? s : s.normalize(form)).trim()
  if (s.length === 0) throw invalidIndexValue(kind, 'empty')
  return s
}

/** `prepared` without the separators people type inside numbers: spaces, hyphens, dots, slashes and brackets. */
export function preparedDigits(kind: string, value: unknown): string {
  return prepared(kind, value).replace(/[\s\-./()]/g, '')
}
