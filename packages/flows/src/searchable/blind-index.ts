import { INSPECT, needs, type CallOptions } from '@keyward/core'
import { IndexBase, IndexCore, normalized, type IndexCommonOptions, type IndexLookup } from './index-core.js'
import type { IndexHash } from './index-key-derivation.js'
import type { Normalizer } from './normalizer.js'

/** Options of {@link BlindIndex.create}. */
export interface BlindIndexOptions extends IndexCommonOptions {
  /** The field: names the derived key (with `table`) and the column, `<field>_bidx`. An identifier. */
  field: string
  /** Turns every way of writing a value into one form and refuses what is not a value (normalizeMobileCN, …). */
  normalize: Normalizer
}

/**
 * A blind index of one field: HMAC-SHA-256 (or HMAC-SM3) of the normalised value under a key derived from an
 * {@link IndexKey} for (table, field), truncated to `bits`, as hex. Stored beside the field's ciphertext and
 * queried by equality, it finds rows by value without decrypting the table; a lookup returns the matching rows
 * plus about `rows · 2⁻ᵇⁱᵗˢ` others, which {@link BlindIndex.matches} discards after decryption.
 *
 * During a key rotation the index holds several keys: it writes one column per key (`phone_bidx`,
 * `phone_bidx_v2`) and lookups try every one of them.
 *
 * @example
 * ```ts
 * const phone = await BlindIndex.create({
 *   key, table: 'customers', field: 'phone', normalize: normalizeMobileCN, bits: 14,
 * })
 * phone.index('138 0013 8000')     // '2c5c' — the same for '+86 138-0013-8000'
 * phone.values('13800138000')      // { phone_bidx: '2c5c' }  (to store)
 * phone.lookup('13800138000')      // [{ column: 'phone_bidx', value: '2c5c' }]  (WHERE phone_bidx = ?)
 * rows.filter((r) => phone.matches(decrypt(r).phone, '13800138000'))
 * ```
 */
export class BlindIndex extends IndexBase {
  readonly field: string
  readonly #normalize: Normalizer

  private constructor(field: string, core: IndexCore, normalize: Normalizer) {
    super(core)
    this.field = field
    this.#normalize = normalize
  }

  /** Checks the options, opens the key(s) through the provider if this process has not yet, derives the index key. */
  static async create(opts: BlindIndexOptions, call: CallOptions = {}): Promise<BlindIndex> {
    /* Precondition: options with a normaliser (the rest is checked by the shared core). */
    needs(opts !== null && typeof opts === 'object', 'MissingParameter', 'BlindIndex.create needs options.')
    needs(
      typeof opts.normalize === 'function',
      'MissingParameter',
      'A blind index needs a normalize function (normalizeMobileCN, normalizeIdCardCN, normalizeText, or your own).',
    )
    const core = await IndexCore.create(opts, opts.field, call)
    return new BlindIndex(opts.field, core, opts.normalize)
  }

  /** The normalised form of `value` (what is indexed); throws InvalidIndexValue for input that is not a value. */
  normalize(value: unknown): string {
    return normalized(this.#normalize, value, `${this.core.table}.${this.field} value`)
  }

  /** The index value of `value` under the first key. */
  index(value: unknown): string {
    return this.core.first(this.normalize(value))
  }

  /** The index value under every key, by column: what to store with a row (and what JSON field encryption emits). */
  values(value: unknown): Record<string, string> {
    return this.core.all(this.normalize(value))
  }

  /** The query helper: one (column, value) per key — match rows where any column equals its value. */
  lookup(value: unknown): IndexLookup[] {
    return this.core.list(this.normalize(value))
  }

  /**
   * Whether a decrypted value is the looked-up one (equal once normalised): how to drop a lookup's false
   * positives. A stored value that no longer normalises does not match.
   */
  matches(decrypted: unknown, value: unknown): boolean {
    const wanted = this.normalize(value)
    try {
      return this.normalize(decrypted) === wanted
    } catch {
      return false
    }
  }

  toJSON(): { table: string; field: string; bits: number; hash: IndexHash; columns: string[] } {
    return { table: this.table, field: this.field, bits: this.bits, hash: this.hash, columns: this.columns }
  }

  [INSPECT](): string {
    return `BlindIndex { ${this.table}.${this.field}, ${this.bits} bits, HMAC-${this.hash}, columns: ${this.columns.join(', ')} }`
  }
}
