/**
 * @packageDocumentation
 * Searchable field-level encryption: blind indexes — a keyed HMAC (SHA-256, or SM3 for 国密) of a normalised value,
 * truncated to a chosen number of bits — stored beside encrypted personal data so the application can find rows by
 * phone, 身份证 or card number without decrypting the table. Index keys are data keys under a CMK of any provider.
 * A blind index leaks equality and frequency of what it indexes, blurred by the truncation: read the README section
 * "Searchable encryption (blind indexes)" before choosing one, and pick the bits with {@link recommendBits}.
 *
 * @example
 * ```ts
 * import { BlindIndex, IndexKey, normalizeMobileCN, recommendBits } from '@keyward/flows/searchable'
 * const blob = await IndexKey.generate(provider, cmkId)        // once; store blob.ciphertextBlob
 * const key = new IndexKey({ provider, ...blob })
 * const { bits } = recommendBits({ rows: 100_000 })            // 14
 * const normalize = normalizeMobileCN
 * const phone = await BlindIndex.create({ key, table: 'customers', field: 'phone', normalize, bits })
 * // adds phone_bidx:
 * const row = await envelope.encryptJsonFields(customer, ['phone', 'name'], { blindIndexes: { phone } })
 * // SELECT … WHERE phone_bidx = ?  with phone.index('138 0013 8000'),
 * // then keep rows where phone.matches(decrypted.phone, …)
 * ```
 */
export {
  IndexKey,
  INDEX_KEY_BYTES,
  INDEX_KEY_CONTEXT,
  type IndexKeyBlob,
  type IndexKeyOptions,
  type IndexKeyProvider,
} from './index-key.js'
export type { IndexHash } from './index-key-derivation.js'
export { INDEX_HASHES, MAX_INDEX_BITS, type IndexCommonOptions, type IndexLookup } from './index-core.js'
export { BlindIndex, type BlindIndexOptions } from './blind-index.js'
export { CompoundIndex, type CompoundIndexOptions, type CompoundPart } from './compound-index.js'
export {
  recommendBits,
  assessBits,
  expectedFalsePositives,
  type BitsPlan,
  type BitsPlanInput,
  type BitsAssessment,
  type OtherIndex,
} from './bits-planner.js'
export { invalidIndexValue, MAX_INDEX_INPUT_CHARS, type Normalizer } from './normalizer.js'
export { normalizeMobileCN, normalizeE164 } from './phone-numbers.js'
export { normalizeIdCardCN, idCardBirthDate, idCardCheckChar } from './id-card-cn.js'
export { normalizeBankCard, luhnValid } from './bank-card.js'
export { normalizeEmail } from './email.js'
export { lastDigits, normalizeText } from './transforms.js'
