import { invalidIndexValue, preparedDigits } from './normalizer.js'

const KIND = 'bank card number'

/** The Luhn (ISO/IEC 7812-1 Annex B) check over all digits, check digit last. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/**
 * A payment card number (PAN, ISO/IEC 7812): digits only — spaces, hyphens and full-width digits accepted —
 * 12 to 19 of them, Luhn check digit verified. UnionPay (62…), Visa, Mastercard and the rest all follow it; a
 * bank's own account numbers that are not card numbers need a custom normaliser.
 *
 * @example
 * ```ts
 * normalizeBankCard('6222 0212 3456 7894') // '6222021234567894'
 * normalizeBankCard('6222 0212 3456 7893') // throws: the Luhn check digit does not match
 * ```
 */
export function normalizeBankCard(value: string): string {
  const s = preparedDigits(KIND, value)
  if (!/^\d+$/.test(s)) throw invalidIndexValue(KIND, 'it holds characters other than digits')
  if (s.length < 12 || s.length > 19) throw invalidIndexValue(KIND, `expected 12-19 digits, got ${s.length}`)
  if (!luhnValid(s)) throw invalidIndexValue(KIND, 'the Luhn check digit does not match')
  return s
}
