import { checkRequestParams, closestName, requestModel, structModel, type ApiField } from '@keyward/server/api-models'
import { isKeywardError } from '@keyward/core'
import { UsageError } from '../cli-error.js'
import type { RawParam } from './kms-argv.js'

/** A JSON value of a request. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json }
type JsonObject = { [k: string]: Json }

/**
 * Byte parameters Tencent accepts without base64 padding (the tccli docs' own Encrypt example sends
 * `dGVzdCUyMHBsYWluJTIwdGV4dA`); the CLI pads them so the strict decoder behind every Action accepts them too.
 */
const BASE64_PARAMS: ReadonlySet<string> = new Set([
  'Plaintext',
  'PlainText',
  'Ciphertext',
  'Message',
  'SignatureValue',
  'EncryptedKeyMaterial',
  'ImportKeyMaterial',
  'InitializationVector',
])

function padBase64(name: string, raw: string): string {
  if (!BASE64_PARAMS.has(name) || !/^[A-Za-z0-9+/]+$/.test(raw)) return raw
  return raw.length % 4 === 2 ? `${raw}==` : raw.length % 4 === 3 ? `${raw}=` : raw
}

function scalar(field: ApiField, flag: string, raw: string): Json {
  if (field.type === 'integer') {
    const n = /^-?\d{1,15}$/.test(raw.trim()) ? Number(raw) : NaN
    if (!Number.isSafeInteger(n))
      throw new UsageError('InvalidParameterValue', `${flag} must be an integer, got ${JSON.stringify(raw)}.`)
    return n
  }
  if (field.type === 'boolean') {
    const v = raw.toLowerCase()
    if (['true', 't', '1'].includes(v)) return true
    if (['false', 'f', '0'].includes(v)) return false
    throw new UsageError('InvalidParameterValue', `${flag} must be true or false, got ${JSON.stringify(raw)}.`)
  }
  return padBase64(field.name, raw)
}

function parseJson(flag: string, raw: string, want: 'array' | 'object'): Json {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    throw new UsageError(
      'InvalidParameterValue',
      `${flag} must be JSON (a ${want === 'array' ? 'list: \'["a","b"]\'' : 'structure: \'{"Name":"value"}\''}), got ${JSON.stringify(raw)}.`,
    )
  }
  if (want === 'array' ? !Array.isArray(v) : v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new UsageError('InvalidParameterValue', `${flag} must be a JSON ${want === 'array' ? 'list' : 'object'}.`)
  }
  return v as Json
}

/** The value of `field` from the words after `flag` (`index`: the path named one element of a list). */
function valueOf(field: ApiField, flag: string, values: readonly string[], element: boolean): Json {
  const struct = structModel(field.type) !== undefined
  if (field.list && !element) {
    if (values.length === 1 && (struct || (values[0] as string).trim().startsWith('['))) {
      const list = parseJson(flag, values[0] as string, 'array') as Json[]
      return struct ? list : list.map((v) => (typeof v === 'string' ? scalar(field, flag, v) : v))
    }
    if (struct)
      throw new UsageError('InvalidParameterValue', `${flag} takes one JSON list, or write ${flag}.0.<Field> value.`)
    return values.map((v) => scalar(field, flag, v))
  }
  if (values.length !== 1) throw new UsageError('InvalidParameter', `${flag} takes one value; got ${values.length}.`)
  return struct ? parseJson(flag, values[0] as string, 'object') : scalar(field, flag, values[0] as string)
}

function unknownParam(
  action: string,
  flag: string,
  name: string,
  fields: readonly ApiField[],
  prefix: string,
): UsageError {
  const close = closestName(
    name,
    fields.map((f) => f.name),
  )
  return new UsageError(
    'UnknownParameter',
    `${flag} is not a parameter of ${action}${close ? `; did you mean --${prefix}${close}?` : '.'} (keyward kms ${action} help lists them)`,
  )
}

/** Walks `path` through the model, creating objects and lists in `request`, and stores the typed value. */
function put(action: string, request: JsonObject, p: RawParam, model: readonly ApiField[]): void {
  let fields = model
  let node: JsonObject | Json[] = request
  let prefix = ''
  for (let i = 0; i < p.path.length; i++) {
    const name = p.path[i] as string
    const field = fields.find((f) => f.name === name)
    if (!field) throw unknownParam(action, p.flag, name, fields, prefix)
    const nested = structModel(field.type)
    let index: number | undefined
    let next = i + 1
    if (field.list && /^\d+$/.test(p.path[next] ?? '')) index = Number(p.path[next++])
    const last = next === p.path.length
    if (!last && !nested) throw new UsageError('InvalidParameter', `${p.flag}: ${prefix}${name} has no fields.`)
    if (!last && field.list && index === undefined)
      throw new UsageError(
        'InvalidParameter',
        `${p.flag}: ${prefix}${name} is a list; write --${prefix}${name}.0.<Field>.`,
      )
    const slot = node as JsonObject
    if (last) {
      const value = valueOf(field, p.flag, p.values, index !== undefined)
      if (index === undefined) {
        if (slot[name] !== undefined) throw new UsageError('InvalidParameter', `${p.flag} is given twice.`)
        slot[name] = value
      } else {
        const list = (slot[name] ??= []) as Json[]
        if (!Array.isArray(list) || list[index] !== undefined)
          throw new UsageError('InvalidParameter', `${p.flag} is given twice.`)
        list[index] = value
      }
      return
    }
    if (index !== undefined) {
      const list = (slot[name] ??= []) as Json[]
      if (!Array.isArray(list))
        throw new UsageError('InvalidParameter', `${p.flag} mixes a JSON value and dotted names.`)
      node = (list[index] ??= {}) as JsonObject
    } else {
      node = (slot[name] ??= {}) as JsonObject
    }
    prefix += `${name}.${index !== undefined ? `${index}.` : ''}`
    fields = nested as readonly ApiField[]
    i = next - 1
  }
}

/** Lists built from `--X.0.. --X.n` must be complete: tccli refuses a gap as well. */
function checkNoGaps(value: Json, where: string): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value))
        throw new UsageError(
          'InvalidParameter',
          `--${where}: list indexes must start from 0 without gaps (${where}.${i} is missing).`,
        )
      checkNoGaps(value[i] as Json, `${where}.${i}`)
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkNoGaps(v, where ? `${where}.${k}` : k)
  }
}

/**
 * The request of `action` from command-line parameters over `base` (`--cli-input-json`), typed by the SDK's
 * request model: integers become numbers (`--Type 2`), lists take JSON or several words (`--KeyIds a b`),
 * structures take JSON or dotted names (`--Tags.0.TagKey env`), strings stay verbatim (`--EncryptionContext`).
 * Unknown parameters, wrong types and missing required parameters throw {@link UsageError} — nothing is sent.
 *
 * @example
 * ```ts
 * const argv = splitKmsArgv(['CreateKey', '--Alias', 'a', '--Type', '2'])
 * buildRequest('CreateKey', argv.params) // { Alias: 'a', Type: 2 }
 * ```
 */
export function buildRequest(action: string, params: readonly RawParam[], base: JsonObject = {}): JsonObject {
  const model = requestModel(action)
  if (!model)
    throw new UsageError('InvalidAction', `The Action ${action} does not exist (keyward kms help lists them).`)
  const fromArgs: JsonObject = {}
  for (const p of params) put(action, fromArgs, p, model)
  checkNoGaps(fromArgs, '')
  const request: JsonObject = { ...base, ...fromArgs }
  try {
    checkRequestParams(action, request)
  } catch (e) {
    if (isKeywardError(e))
      throw new UsageError(e.code, `${e.message} (keyward kms ${action} help lists the parameters)`)
    throw e
  }
  const missing = model.filter((f) => f.required && request[f.name] === undefined).map((f) => `--${f.name}`)
  if (missing.length) throw new UsageError('MissingParameter', `${action} needs ${missing.join(', ')}.`)
  return request
}
