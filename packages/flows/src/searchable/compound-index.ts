import { INSPECT, needs, type CallOptions } from '@keyward/core'
import { IndexBase, IndexCore, normalized, type IndexCommonOptions, type IndexLookup } from './index-core.js'
import type { IndexHash } from './index-key-derivation.js'
import type { Normalizer } from './normalizer.js'

/** One part of a compound index: a field of the record and how to normalise (or transform) it. */
export interface CompoundPart {
  field: string
  normalize: Normalizer
}

/** Options of {@link CompoundIndex.create}. */
export interface CompoundIndexOptions extends IndexCommonOptions {
  /** Names the derived key (with `table`) and the column, `<name>_bidx`. An identifier. */
  name: string
  /** 1-8 parts, in a fixed order. */
  parts: readonly CompoundPart[]
}

const MAX_PARTS = 8

/**
 * A blind index over several fields of a record, or transformed parts of them — birth date (from the 身份证) with
 * the last four digits of the phone; a low-entropy flag with a high-entropy field, so that the flag alone is never
 * indexed. The parts are normalised, each prefixed by its UTF-8 length (4 bytes, big-endian) so that no two
 * different tuples give the same input, and HMAC'd as one message under the key of (table, name).
 *
 * @example
 * ```ts
 * const birthAndPhone = await CompoundIndex.create({
 *   key, table: 'customers', name: 'birth_phone4', bits: 12,
 *   parts: [
 *     { field: 'id_number', normalize: idCardBirthDate },
 *     { field: 'phone', normalize: lastDigits(4, normalizeMobileCN) },
 *   ],
 * })
 * birthAndPhone.values({ id_number: '11010519491231002X', phone: '13800138000' }) // { birth_phone4_bidx: '9e1' }
 * ```
 */
export class CompoundIndex extends IndexBase {
  readonly name: string
  readonly parts: readonly CompoundPart[]

  private constructor(name: string, parts: readonly CompoundPart[], core: IndexCore) {
    super(core)
    this.name = name
    this.parts = parts
  }

  /** Checks the options, opens the key(s) if this process has not yet, derives the index key. */
  static async create(opts: CompoundIndexOptions, call: CallOptions = {}): Promise<CompoundIndex> {
    /* Precondition: 1-8 parts, each a distinct field name with a normaliser. */
    needs(opts !== null && typeof opts === 'object', 'MissingParameter', 'CompoundIndex.create needs options.')
    needs(
      Array.isArray(opts.parts) && opts.parts.length >= 1 && opts.parts.length <= MAX_PARTS,
      'InvalidParameterValue',
      `parts must list 1-${MAX_PARTS} fields.`,
    )
    for (const p of opts.parts) {
      needs(
        p !== null && typeof p === 'object' && typeof p.field === 'string' && p.field.length > 0,
        'InvalidParameterValue',
        'Each part needs a field name.',
      )
      needs(
        typeof p.normalize === 'function',
        'MissingParameter',
        `Part ${JSON.stringify(p.field)} needs a normalize function.`,
      )
    }
    const parts = opts.parts.map((p) => Object.freeze({ field: p.field, normalize: p.normalize }))
    const core = await IndexCore.create(opts, opts.name, call)
    return new CompoundIndex(opts.name, Object.freeze(parts), core)
  }

  /** The normalised parts of `record`, in order; throws InvalidIndexValue naming the part that is not valid. */
  normalize(record: Readonly<Record<string, unknown>>): string[] {
    needs(
      record !== null && typeof record === 'object',
      'InvalidParameterValue',
      'A compound index reads an object of fields.',
    )
    return this.parts.map((p) => {
      const v = Object.prototype.hasOwnProperty.call(record, p.field) ? record[p.field] : undefined
      return normalized(p.normalize, v, `${this.table}.${this.name} part ${p.field}`)
    })
  }

  /** The index value of `record` under the first key. */
  index(record: Readonly<Record<string, unknown>>): string {
    return this.core.first(encode(this.normalize(record)))
  }

  /** The index value under every key, by column: what to store with the row. */
  values(record: Readonly<Record<string, unknown>>): Record<string, string> {
    return this.core.all(encode(this.normalize(record)))
  }

  /** The query helper: one (column, value) per key. */
  lookup(record: Readonly<Record<string, unknown>>): IndexLookup[] {
    return this.core.list(encode(this.normalize(record)))
  }

  /** Whether a decrypted record matches the looked-up one on every part, once normalised. */
  matches(decrypted: Readonly<Record<string, unknown>>, record: Readonly<Record<string, unknown>>): boolean {
    const wanted = this.normalize(record)
    try {
      const got = this.normalize(decrypted)
      return got.every((g, i) => g === wanted[i])
    } catch {
      return false
    }
  }

  toJSON(): { table: string; name: string; fields: string[]; bits: number; hash: IndexHash; columns: string[] } {
    return {
      table: this.table,
      name: this.name,
      fields: this.parts.map((p) => p.field),
      bits: this.bits,
      hash: this.hash,
      columns: this.columns,
    }
  }

  [INSPECT](): string {
    return `CompoundIndex { ${this.table}.${this.name}(${this.parts.map((p) => p.field).join(', ')}), ${this.bits} bits, HMAC-${this.hash} }`
  }
}

/** Length-prefixed concatenation: ('ab', 'c') and ('a', 'bc') are different inputs. */
function encode(parts: readonly string[]): Buffer {
  const bufs = parts.map((p) => Buffer.from(p, 'utf8'))
  const out = Buffer.allocUnsafe(bufs.reduce((n, b) => n + 4 + b.length, 0))
  let o = 0
  for (const b of bufs) {
    out.writeUInt32BE(b.length, o)
    b.copy(out, o + 4)
    o += 4 + b.length
  }
  return out
}
