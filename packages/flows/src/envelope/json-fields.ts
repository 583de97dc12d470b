import { KeywardError, checkBytes, decryptionFailed, needs, toBase64, fromBase64 } from '@keyward/core'
import { frameNonce, type DerivedKeys } from './key-derivation.js'
import { TAG_LENGTH, type Suite } from './suites.js'

/**
 * JSON field-level encryption (the seed services' `{ field: ciphertext, ..., kms_encrypt_key }` shape), built
 * on the envelope: `kms_encrypt_key` is base64 of an envelope header (suite, message id, context, encrypted
 * data keys, commitment, header tag) whose frame-length field holds the number of encrypted fields. Field i of
 * the sorted path list is AES-GCM/SM4-GCM of the value's JSON with the nonce of sequence i+1 and AAD =
 * label ‖ i+1 ‖ path, so values cannot be moved between fields and a dropped field is detected.
 */

/** The property that carries the encrypted data key header. */
export const KMS_ENCRYPT_KEY = 'kms_encrypt_key'
const LABEL = Buffer.from('KEYWARD-JSON-FIELD-V1', 'ascii')
const MAX_FIELDS = 10_000

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Container = Record<string, unknown> | unknown[]

/** Splits `a.b.0.c` into segments; numeric segments index arrays. */
function segments(path: string): string[] {
  needs(typeof path === 'string' && path.length > 0 && path.length <= 1024, 'InvalidParameterValue', 'Each path must be a non-empty string of at most 1024 characters.')
  const s = path.split('.')
  needs(s.every((x) => x.length > 0), 'InvalidParameterValue', `Path ${JSON.stringify(path)} has an empty segment.`)
  needs(s[0] !== KMS_ENCRYPT_KEY, 'InvalidParameterValue', `${KMS_ENCRYPT_KEY} cannot be encrypted.`)
  return s
}

/** The container holding `path`'s last segment, and that segment; throws when the path does not exist. */
export function locate(root: unknown, path: string): { parent: Container; key: string } {
  const segs = segments(path)
  let cur: unknown = root
  for (const seg of segs.slice(0, -1)) {
    needs(cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg), 'InvalidParameterValue', `Path ${JSON.stringify(path)} does not exist.`)
    cur = (cur as Record<string, unknown>)[seg]
  }
  const key = segs[segs.length - 1] as string
  needs(cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, key), 'InvalidParameterValue', `Path ${JSON.stringify(path)} does not exist.`)
  return { parent: cur as Container, key }
}

/** Sorted, unique, none a prefix of another (a field cannot be inside another encrypted field). */
export function checkPaths(paths: readonly string[]): string[] {
  needs(Array.isArray(paths) && paths.length > 0 && paths.length <= MAX_FIELDS, 'InvalidParameterValue', `paths must list 1-${MAX_FIELDS} fields.`)
  const sorted = [...paths].sort()
  for (const [i, p] of sorted.entries()) {
    segments(p)
    const next = sorted[i + 1]
    needs(next === undefined || (next !== p && !next.startsWith(`${p}.`)), 'InvalidParameterValue', `Paths must be unique and not nested: ${JSON.stringify(p)}.`)
  }
  return sorted
}

function aad(seq: number, path: string): Buffer {
  const p = Buffer.from(path, 'utf8')
  const a = Buffer.allocUnsafe(LABEL.length + 4 + p.length)
  LABEL.copy(a, 0)
  a.writeUInt32BE(seq, LABEL.length)
  p.copy(a, LABEL.length + 4)
  return a
}

/** Encrypts one field value (its JSON) as base64(ciphertext ‖ tag). */
export function sealField(suite: Suite, keys: DerivedKeys, seq: number, path: string, value: unknown): string {
  const json = JSON.stringify(value)
  needs(json !== undefined, 'InvalidParameterValue', `The value at ${JSON.stringify(path)} is not JSON.`)
  const c = suite.createCipher(keys.cipherKey, frameNonce(keys.nonceBase, seq))
  c.setAAD(aad(seq, path))
  const pt = Buffer.from(json, 'utf8')
  const out = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()])
  pt.fill(0)
  return toBase64(out)
}

/** Decrypts one field value; any fault is the fixed decryption failure. */
export function openField(suite: Suite, keys: DerivedKeys, seq: number, path: string, value: unknown): Json {
  if (typeof value !== 'string') throw decryptionFailed(new Error(`field ${path} is not a ciphertext string`))
  let b: Buffer
  try {
    b = fromBase64(value, path)
    checkBytes(path, b, TAG_LENGTH + 1, Number.MAX_SAFE_INTEGER)
  } catch (e) {
    throw decryptionFailed(e)
  }
  const d = suite.createDecipher(keys.cipherKey, frameNonce(keys.nonceBase, seq))
  d.setAAD(aad(seq, path))
  d.setAuthTag(b.subarray(b.length - TAG_LENGTH))
  const pt = d.update(b.subarray(0, b.length - TAG_LENGTH))
  try {
    d.final()
    return JSON.parse(pt.toString('utf8')) as Json
  } catch (e) {
    throw e instanceof KeywardError ? e : decryptionFailed(e)
  } finally {
    pt.fill(0)
  }
}
