import { checkInt } from '@keyward/core'
import { invalidIndexValue, prepared, type Normalizer } from './normalizer.js'

/**
 * Normalisers built from others, for partial indexes (a part of a value) and free text.
 */

/**
 * The last `n` digits of what `base` returns, for an index on part of a value (the last four digits of a phone
 * or card, as support staff ask for them). The value must first pass `base`, so a partial index never holds
 * garbage either.
 *
 * @example
 * ```ts
 * const last4 = lastDigits(4, normalizeMobileCN)
 * last4('138 0013 8000') // '8000'
 * ```
 */
export function lastDigits(n: number, base: Normalizer): Normalizer {
  checkInt('n', n, 1, 64)
  return (value: string): string => {
    const digits = base(value).replace(/\D/g, '')
    if (digits.length < n) throw invalidIndexValue(`value with at least ${n} digits`, `it has ${digits.length}`)
    return digits.slice(-n)
  }
}

/**
 * Free text such as a name: NFC, trimmed, runs of white space (including the ideographic space U+3000) made one
 * space; case is kept (`Li Na` ≠ `li na`; lower-case it yourself in a custom normaliser if case must not matter).
 *
 * @example
 * ```ts
 * normalizeText('  张\u3000三 ') // '张 三' (U+3000, the ideographic space, is white space too)
 * ```
 */
export function normalizeText(value: string): string {
  return prepared('text value', value, 'NFC').replace(/\s+/gu, ' ')
}
