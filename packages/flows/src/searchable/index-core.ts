import { createHmac } from 'node:crypto'
import {
  KeywardError,
  checkInt,
  checkOneOf,
  checkString,
  effectiveCompliance,
  needs,
  requireCompliant,
  type CallOptions,
} from '@keyward/core'
import { hmacSm3 } from '@keyward/gm'
import { assessBits, type BitsPlanInput } from './bits-planner.js'
import { IndexKey } from './index-key.js'
import { deriveIndexKey, type IndexHash } from './index-key-derivation.js'
import { MAX_INDEX_INPUT_CHARS, type Normalizer } from './normalizer.js'

/** The hashes, as data. */
export const INDEX_HASHES: readonly IndexHash[] = ['SHA-256', 'SM3']
/** Bits an index keeps at most (the whole HMAC-SHA-256 / HMAC-SM3 output). */
export const MAX_INDEX_BITS = 256
/** Index keys an index holds at once: the current one and those of a rotation in progress. */
const MAX_RING = 4
/** Column bases become SQL column and JSON property names: identifiers only. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** One index value and the column (or JSON property) it belongs in: `phone_bidx`, `phone_bidx_v2`. */
export interface IndexLookup {
  readonly column: string
  readonly value: string
}

/** Options shared by BlindIndex and CompoundIndex. */
export interface IndexCommonOptions {
  /** The index key, or during a rotation every live index key (each one's `version` names its column). */
  key: IndexKey | readonly IndexKey[]
  /** Table (or collection) name: with the index name, it selects the derived key. */
  table: string
  /** Bits kept of the HMAC, 1-256: choose them with recommendBits. */
  bits: number
  /** HMAC-SHA-256 (default) or HMAC-SM3 (国密; the `gm` compliance profile sets it). */
  hash?: IndexHash
  /** The table this index is planned for: a warning is raised when `bits` leaks more than it needs to. */
  expected?: BitsPlanInput
  /** Where warnings go; default process.emitWarning with code KEYWARD_BLIND_INDEX_BITS. */
  onWarning?: (message: string) => void
}

interface RingEntry {
  readonly key: IndexKey
  readonly mac: Buffer
  readonly column: string
}

const defaultWarning = (message: string): void => process.emitWarning(message, { code: 'KEYWARD_BLIND_INDEX_BITS' })

/**
 * What every blind index does once its input is bytes: HMAC under each live key, truncation to `bits`, lower-case
 * hex of ⌈bits/4⌉ digits (bits past `bits` in the last digit are zero).
 */
export class IndexCore {
  readonly #ring: readonly RingEntry[]
  readonly #mac: (key: Buffer, data: string | Buffer) => Buffer

  private constructor(
    readonly table: string,
    readonly name: string,
    readonly hash: IndexHash,
    readonly bits: number,
    ring: readonly RingEntry[],
  ) {
    this.#ring = ring
    this.#mac =
      hash === 'SM3'
        ? (k, d) => hmacSm3(k, typeof d === 'string' ? Buffer.from(d, 'utf8') : d)
        : (k, d) => createHmac('sha256', k).update(d).digest()
  }

  /** Checks the shared options, opens the keys (one Decrypt per key and process) and derives each index key. */
  static async create(o: IndexCommonOptions, name: string, call: CallOptions = {}): Promise<IndexCore> {
    /* Precondition: a table, an identifier for the name, a known hash, bits in range, 1-4 keys of distinct versions. */
    checkString('table', o.table, 256)
    needs(
      typeof name === 'string' && IDENTIFIER.test(name),
      'InvalidParameterValue',
      'The index field (or name) must be an identifier: a letter or _, then letters, digits or _, 63 at most.',
    )
    // The compliance profile in force (the process's, the index keys' providers') picks the default hash — SM3 under
    // gm — and refuses the other: an HMAC-SHA-256 blind index is no 国密 index.
    const sources: readonly object[] = Array.isArray(o.key) ? o.key : [o.key as object]
    const profile = effectiveCompliance(sources).profile
    const hash = o.hash ?? (profile.name === 'none' ? 'SHA-256' : profile.defaults.hash)
    checkOneOf('hash', hash, INDEX_HASHES)
    requireCompliant(profile, 'hash', hash, `blind index ${o.table}.${name}`)
    checkInt('bits', o.bits, 1, MAX_INDEX_BITS)
    const keys: readonly IndexKey[] = Array.isArray(o.key) ? o.key : [o.key as IndexKey]
    needs(
      keys.length >= 1 && keys.length <= MAX_RING && keys.every((k) => k instanceof IndexKey),
      'InvalidParameterValue',
      `key must be an IndexKey or 1-${MAX_RING} of them.`,
    )
    needs(
      new Set(keys.map((k) => k.version)).size === keys.length,
      'InvalidParameterValue',
      'The keys of one index need distinct versions (each writes its own column).',
    )
    needs(
      o.onWarning === undefined || typeof o.onWarning === 'function',
      'InvalidParameterValue',
      'onWarning must be a function.',
    )
    const warn = o.onWarning ?? defaultWarning
    if (o.expected !== undefined)
      for (const w of assessBits(o.bits, o.expected).warnings) warn(`${o.table}.${name}: ${w}`)
    else if (o.bits > 32)
      warn(
        `${o.table}.${name}: a ${o.bits}-bit blind index tells apart more values than any table holds — every equality shows. Give \`expected\` or use recommendBits.`,
      )
    const macs = await Promise.all(keys.map((k) => deriveIndexKey(k, hash, o.table, name, call)))
    const ring = keys.map((key, i) => ({
      key,
      mac: macs[i] as Buffer,
      column: `${name}_bidx${key.version === undefined ? '' : `_${key.version}`}`,
    }))
    return new IndexCore(o.table, name, hash, o.bits, ring)
  }

  /** The columns this index writes, in key order. */
  get columns(): string[] {
    return this.#ring.map((e) => e.column)
  }

  /** The index value of `data` under the first key. */
  first(data: string | Buffer): string {
    return this.#value(this.#ring[0] as RingEntry, data)
  }

  /** The index value of `data` under every key, by column. */
  all(data: string | Buffer): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.#ring) out[e.column] = this.#value(e, data)
    return out
  }

  /** The same as {@link all}, as a list (for `col1 = ? OR col2 = ?`). */
  list(data: string | Buffer): IndexLookup[] {
    return this.#ring.map((e) => ({ column: e.column, value: this.#value(e, data) }))
  }

  #value(e: RingEntry, data: string | Buffer): string {
    if (e.key.closed) throw new KeywardError('FailedOperation.ProviderUnavailable', 'The index key was closed.')
    const mac = this.#mac(e.mac, data)
    const bytes = Math.ceil(this.bits / 8)
    const spare = bytes * 8 - this.bits
    if (spare) mac[bytes - 1] = (mac[bytes - 1] as number) & (0xff << spare)
    return mac.toString('hex', 0, bytes).slice(0, Math.ceil(this.bits / 4))
  }
}

/**
 * Runs a normaliser on a value from outside (a lookup, a JSON field): strings and safe integers only; a
 * normaliser's own error passes through, any other failure becomes InvalidIndexValue; an empty or oversized
 * result is refused rather than indexed.
 */
export function normalized(normalize: Normalizer, value: unknown, what: string): string {
  let input: string
  if (typeof value === 'string') input = value
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) input = String(value)
  else
    throw new KeywardError(
      'InvalidParameterValue.InvalidIndexValue',
      `Not a valid ${what}: expected a string, got ${value === null ? 'null' : typeof value}.`,
    )
  let out: unknown
  try {
    out = normalize(input)
  } catch (e) {
    if (e instanceof KeywardError) throw e
    throw new KeywardError(
      'InvalidParameterValue.InvalidIndexValue',
      `Not a valid ${what}: the normaliser refused it.`,
      { cause: e },
    )
  }
  needs(
    typeof out === 'string' && out.length > 0 && out.length <= MAX_INDEX_INPUT_CHARS,
    'InvalidParameterValue.InvalidIndexValue',
    `Not a valid ${what}: the normaliser returned no text to index.`,
  )
  return out
}

/** What BlindIndex and CompoundIndex share: the core, and what it says about itself. */
export abstract class IndexBase {
  protected constructor(protected readonly core: IndexCore) {}

  get table(): string {
    return this.core.table
  }

  get bits(): number {
    return this.core.bits
  }

  get hash(): IndexHash {
    return this.core.hash
  }

  /**
   * The columns this index writes and queries, current key first: `['phone_bidx']`, `['phone_bidx', 'phone_bidx_v2']`.
   */
  get columns(): string[] {
    return this.core.columns
  }
}
