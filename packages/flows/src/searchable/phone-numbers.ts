import { invalidIndexValue, prepared } from './normalizer.js'

/**
 * Phone numbers. Both normalisers output E.164 (`+` country code national number), so a field indexed with one
 * is found by lookups through the other: `normalizeMobileCN('138 0013 8000') === normalizeE164('+86 138 0013 8000')`.
 */

const MOBILE_KIND = 'mainland China mobile number'
const E164_KIND = 'E.164 phone number'
/** Mainland mobile numbers (MIIT numbering plan): 11 digits, 1 then 3-9. */
const CN_MOBILE = /^1[3-9]\d{9}$/
const SEPARATORS = /[\s\-.()]/g

/** Strips what people put between digits; `(0)` first, the trunk prefix some write after the country code. */
function compact(kind: string, value: unknown): string {
  return prepared(kind, value).replace(/\(0\)/g, '').replace(SEPARATORS, '')
}

/**
 * A mainland China mobile number, as `+86` and 11 digits. Accepts `13800138000`, `138 0013 8000`,
 * `138-0013-8000`, `+86 138 0013 8000`, `+8613800138000`, `0086…`, `86…` (13 digits) and full-width digits;
 * refuses landlines, numbers of other countries, wrong lengths and prefixes outside 13x-19x.
 *
 * @example
 * ```ts
 * normalizeMobileCN('+86 138-0013-8000') // '+8613800138000'
 * normalizeMobileCN('1380013800')        // throws InvalidParameterValue.InvalidIndexValue
 * ```
 */
export function normalizeMobileCN(value: string): string {
  let s = compact(MOBILE_KIND, value)
  if (s.startsWith('+86')) s = s.slice(3)
  else if (s.startsWith('0086')) s = s.slice(4)
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2)
  else if (s.startsWith('+') || s.startsWith('00')) throw invalidIndexValue(MOBILE_KIND, 'the country code is not +86')
  if (!/^\d+$/.test(s)) throw invalidIndexValue(MOBILE_KIND, 'it holds characters other than digits')
  if (s.length !== 11) throw invalidIndexValue(MOBILE_KIND, `expected 11 digits, got ${s.length}`)
  if (!CN_MOBILE.test(s)) throw invalidIndexValue(MOBILE_KIND, 'mobile numbers start with 13-19')
  return `+86${s}`
}

/**
 * A phone number in international form, as E.164: `+`, a country code that does not start with 0, at most 15
 * digits in all (ITU-T E.164 §6), at least 7. Accepts `+` or `00` before the country code, spaces, hyphens,
 * dots, brackets and a `(0)` trunk prefix (`+44 (0)20 7946 0958`). Numbers under +86 that start with 13-19 must be
 * valid mainland mobile numbers. This checks the structure E.164 defines, not each country's numbering plan;
 * national formats need the country — normalise them first (for instance with libphonenumber-js) in a custom
 * normaliser.
 *
 * @example
 * ```ts
 * normalizeE164('0044 20 7946 0958') // '+442079460958'
 * normalizeE164('020 7946 0958')     // throws: not in international form
 * ```
 */
export function normalizeE164(value: string): string {
  let s = compact(E164_KIND, value)
  if (s.startsWith('+')) s = s.slice(1)
  else if (s.startsWith('00')) s = s.slice(2)
  else throw invalidIndexValue(E164_KIND, 'not in international form (+ or 00 and the country code)')
  if (!/^\d+$/.test(s)) throw invalidIndexValue(E164_KIND, 'it holds characters other than digits')
  if (s.startsWith('0')) throw invalidIndexValue(E164_KIND, 'country codes do not start with 0')
  if (s.length < 7 || s.length > 15) throw invalidIndexValue(E164_KIND, `expected 7-15 digits, got ${s.length}`)
  // +86 then 13-19: a mobile (Beijing landlines, +86 10…, also start with 1, and stay landlines).
  if (/^861[3-9]/.test(s)) return normalizeMobileCN(`+${s}`)
  return `+${s}`
}
