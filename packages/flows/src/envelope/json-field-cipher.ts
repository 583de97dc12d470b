import { KeywardError, checkBytes, decryptionFailed, fromBase64, needs, toBase64 } from '@keyward/core'
import { frameNonce, type DerivedKeys } from './key-derivation.js'
import { TAG_LENGTH, type Suite } from './suites.js'

/** One encrypted JSON field: GCM of the value's JSON, nonce of its sequence number, AAD = label ‖ seq ‖ path. */

const LABEL = Buffer.from('KEYWARD-JSON-FIELD-V1', 'ascii')

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

function aad(seq: number, path: string): Buffer {
  const p = Buffer.from(path, 'utf8')
  const a = Buffer.allocUnsafe(LABEL.length + 4 + p.length)
  LABEL.copy(a, 0)
  a.writeUInt32BE(seq, LABEL.length)
  p.copy(a, LABEL.length + 4)
  return a
}

/** The UTF-8 JSON of a field value; values JSON cannot hold are bad input. */
export function fieldJson(value: unknown, path: string): Buffer {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', `The value at ${JSON.stringify(path)} is not JSON.`, { cause: e })
  }
  needs(json !== undefined, 'InvalidParameterValue', `The value at ${JSON.stringify(path)} is not JSON.`)
  return Buffer.from(json, 'utf8')
}

/** Encrypts one field's JSON bytes as base64(ciphertext ‖ tag), and zeroes them. */
export function sealField(suite: Suite, keys: DerivedKeys, seq: number, path: string, json: Buffer): string {
  const c = suite.createCipher(keys.cipherKey, frameNonce(keys.nonceBase, seq))
  c.setAAD(aad(seq, path))
  const out = Buffer.concat([c.update(json), c.final(), c.getAuthTag()])
  json.fill(0)
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
