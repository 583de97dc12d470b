import { invalidIndexValue, prepared } from './normalizer.js'

const KIND = '18-digit 身份证 (resident identity card) number'
/** GB 11643-1999 check code: weights 2^(17-i) mod 11 of ISO 7064 MOD 11-2, and the character of each remainder. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const
const CHECK_CHARS = '10X98765432'

/**
 * The check character of the first 17 digits (GB 11643-1999 §6, ISO 7064:1983 MOD 11-2); the caller gives 17 digits.
 *
 * @example
 * ```ts
 * idCardCheckChar('11010519491231002') // 'X'
 * ```
 */
export function idCardCheckChar(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number)
  return CHECK_CHARS[sum % 11] as string
}

/** A real calendar date YYYYMMDD, not before 1800 and not after this year. */
function validBirthDate(d: string): boolean {
  const y = Number(d.slice(0, 4))
  const m = Number(d.slice(4, 6))
  const day = Number(d.slice(6, 8))
  if (y < 1800 || y > new Date().getUTCFullYear() || m < 1 || m > 12 || day < 1) return false
  return day <= new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/**
 * An 18-digit resident identity card number (GB 11643-1999): 17 digits and a check character, checksum verified,
 * birth date (digits 7-14) a real date; lower-case `x` becomes `X`, spaces and full-width characters are accepted.
 * 15-digit first-generation numbers are refused: convert them to 18 digits first (insert `19` before the birth
 * year and append the check character), so that one person has one index value.
 *
 * @example
 * ```ts
 * normalizeIdCardCN('11010519491231002x') // '11010519491231002X'
 * normalizeIdCardCN('110105194912310021') // throws: the check character does not match
 * ```
 */
export function normalizeIdCardCN(value: string): string {
  const s = prepared(KIND, value).replace(/\s/g, '').toUpperCase()
  if (/^\d{15}$/.test(s))
    throw invalidIndexValue(KIND, 'a 15-digit first-generation number; convert it to 18 digits first')
  if (s.length !== 18) throw invalidIndexValue(KIND, `expected 18 characters, got ${s.length}`)
  if (!/^\d{17}[\dX]$/.test(s)) throw invalidIndexValue(KIND, 'expected 17 digits and a digit or X')
  if (!validBirthDate(s.slice(6, 14))) throw invalidIndexValue(KIND, 'the birth date (digits 7-14) is not a real date')
  if (idCardCheckChar(s) !== s[17]) throw invalidIndexValue(KIND, 'the check character does not match (GB 11643-1999)')
  return s
}

/**
 * The birth date `YYYYMMDD` inside a valid 身份证 number, for a partial or compound index (birth date alone has
 * about 36,500 values in a century: pair it with another part, see CompoundIndex).
 *
 * @example
 * ```ts
 * idCardBirthDate('11010519491231002X') // '19491231'
 * ```
 */
export function idCardBirthDate(value: string): string {
  return normalizeIdCardCN(value).slice(6, 14)
}
