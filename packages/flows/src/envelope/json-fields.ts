import { KeywardError, checkEncryptionContext, decryptionFailed, fromBase64, needs, toBase64 } from '@keyward/core'
import { ChunkReader } from './chunk-reader.js'
import { openHeader, type MessageInfo } from './decrypt-message.js'
import type { DecryptOptions, EncryptOptions } from './envelope-options.js'
import { fieldJson, openField, sealField } from './json-field-cipher.js'
import { addFieldIndexes, type JsonFieldIndexer } from './json-field-indexes.js'
import { KMS_ENCRYPT_KEY, checkPaths, locate } from './json-paths.js'
import { disposeDerived } from './key-derivation.js'
import type { KeyMaterials } from './key-materials.js'

/** Options of {@link encryptJsonFields}. */
export interface JsonFieldsEncryptOptions extends EncryptOptions {
  /**
   * Blind indexes to emit, by encrypted path (`{ phone: phoneIndex }`): each adds its properties (`phone_bidx`,
   * and during a rotation `phone_bidx_v2`) beside the field, computed from the plaintext before encryption.
   */
  blindIndexes?: Readonly<Record<string, JsonFieldIndexer>>
}

/** A deep copy, so the caller's object is never changed; values JSON cannot hold are bad input. */
function jsonCopy(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return structuredClone(obj) as Record<string, unknown>
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', 'The object holds values JSON cannot represent.', { cause: e })
  }
}

/**
 * JSON field-level encryption (the seed services' `{ field: ciphertext, ..., kms_encrypt_key }` shape), built
 * on the envelope: `kms_encrypt_key` is base64 of an envelope header (suite, message id, context, encrypted
 * data keys, commitment, header tag) whose frame-length field holds the number of encrypted fields. Field i of
 * the sorted path list is AES-GCM/SM4-GCM of the value's JSON with the nonce of sequence i+1 and AAD =
 * label ‖ i+1 ‖ path, so values cannot be moved between fields and a dropped field is detected.
 */

/**
 * Encrypts the fields at `paths` (dotted, e.g. `card.number`, `items.0.iban`) of a JSON object, returning a
 * copy with each of them replaced by its ciphertext and one `kms_encrypt_key` added (seed 003's shape). All
 * fields share one data key; each is bound to its path.
 *
 * @example
 * ```ts
 * const row = await client.encryptJsonFields({ name: '张三', card: { no: '6222…' } }, ['name', 'card.no'])
 * const { object } = await client.decryptJsonFields(row, ['name', 'card.no'])
 * ```
 */
export async function encryptJsonFields(
  materials: KeyMaterials,
  obj: Readonly<Record<string, unknown>>,
  paths: readonly string[],
  opts: JsonFieldsEncryptOptions = {},
): Promise<Record<string, unknown>> {
  /* Precondition: a JSON object without kms_encrypt_key, and existing, distinct, non-nested paths. */
  needs(
    obj !== null && typeof obj === 'object' && !Array.isArray(obj),
    'InvalidParameter',
    'encryptJsonFields needs a JSON object.',
  )
  needs(
    !Object.prototype.hasOwnProperty.call(obj, KMS_ENCRYPT_KEY),
    'InvalidParameterValue',
    `The object already has ${KMS_ENCRYPT_KEY}.`,
  )
  const sorted = checkPaths(paths)
  const out = jsonCopy(obj)
  const targets = sorted.map((p) => locate(out, p))
  addFieldIndexes(sorted, targets, opts.blindIndexes)
  // Serialize first (bad values fail before any KMS call); the byte count is what the cache limits.
  const values = targets.map((t, i) => fieldJson((t.parent as Record<string, unknown>)[t.key], sorted[i] as string))
  const bytes = values.reduce((n, v) => n + v.length, 0)
  const w = await materials.startMessage(opts, bytes, sorted.length)
  try {
    for (const [i, t] of targets.entries()) {
      ;(t.parent as Record<string, unknown>)[t.key] = sealField(
        w.suite,
        w.keys,
        i + 1,
        sorted[i] as string,
        values[i] as Buffer,
      )
    }
  } finally {
    w.keys.cipherKey.fill(0)
  }
  out[KMS_ENCRYPT_KEY] = toBase64(w.header)
  return out
}

/** Decrypts what {@link encryptJsonFields} made, given the same paths; returns a copy without `kms_encrypt_key`. */
export async function decryptJsonFields(
  materials: KeyMaterials,
  obj: Readonly<Record<string, unknown>>,
  paths: readonly string[],
  opts: DecryptOptions = {},
): Promise<{ object: Record<string, unknown>; info: MessageInfo }> {
  /* Precondition: a JSON object with kms_encrypt_key, and the paths it was encrypted with. */
  needs(
    obj !== null && typeof obj === 'object' && !Array.isArray(obj),
    'InvalidParameter',
    'decryptJsonFields needs a JSON object.',
  )
  const key = obj[KMS_ENCRYPT_KEY]
  needs(typeof key === 'string' && key.length > 0, 'MissingParameter', `The object has no ${KMS_ENCRYPT_KEY}.`)
  checkEncryptionContext(opts.encryptionContext)
  const sorted = checkPaths(paths)
  const out = jsonCopy(obj)
  delete out[KMS_ENCRYPT_KEY]
  const targets = sorted.map((p) => locate(out, p))
  let headerBytes: Buffer
  try {
    headerBytes = fromBase64(key, KMS_ENCRYPT_KEY)
  } catch (e) {
    throw new KeywardError('FailedOperation.InvalidMessage', `${KMS_ENCRYPT_KEY} is not base64.`, { cause: e })
  }
  const reader = new ChunkReader([headerBytes])
  const { header, keys, info } = await openHeader(reader, materials.openPlan(opts))
  try {
    if (!(await reader.atEnd()))
      throw new KeywardError('FailedOperation.InvalidMessage', `Unexpected bytes after the ${KMS_ENCRYPT_KEY} header.`)
    if (header.frameLength !== sorted.length)
      throw decryptionFailed(new Error('the paths differ from the encrypted fields'))
    for (const [i, t] of targets.entries()) {
      const parent = t.parent as Record<string, unknown>
      parent[t.key] = openField(header.suite, keys, i + 1, sorted[i] as string, parent[t.key])
    }
  } finally {
    disposeDerived(keys)
  }
  return { object: out, info }
}
