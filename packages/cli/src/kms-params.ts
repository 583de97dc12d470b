import { KeywardError } from '@keyward/core'

/**
 * Request parameters of the Tencent KMS API that are numbers (from kms_models.d.ts), so that
 * `--NumberOfBytes 32` becomes 32 as tccli sends it, while `--KeyId 123` stays a string.
 */
export const NUMERIC_PARAMS: ReadonlySet<string> = new Set([
  'NumberOfBytes', 'PendingWindowInDays', 'Type', 'Offset', 'Limit', 'RotateDays', 'ValidTo', 'KeyState', 'Role',
  'OrderType', 'IsHostedByKms', 'ImportType', 'DataKeyLen',
])

/** Parameters that are lists: given as JSON (`'["a","b"]'`, tccli's form) or comma-separated. */
export const LIST_PARAMS: ReadonlySet<string> = new Set(['KeyIds', 'DataKeyIds', 'TagFilters', 'Tags'])

/**
 * String parameters whose value is itself JSON text (the API's EncryptionContext is a String holding a JSON object,
 * and tccli passes it through as is): never parsed, so `--EncryptionContext '{"a":"b"}'` reaches the API unchanged.
 */
export const JSON_TEXT_PARAMS: ReadonlySet<string> = new Set(['EncryptionContext', 'SourceEncryptionContext', 'DestinationEncryptionContext'])

const PARAM = /^--([A-Z][A-Za-z0-9]*)((?:\.[A-Za-z0-9]+)*)$/

type Json = string | number | boolean | null | Json[] | { [k: string]: Json }

/**
 * Parses `--Name value` pairs (tccli's syntax) into a request object. Values that look like JSON objects or
 * lists are parsed as JSON; dotted names (`--Tags.0.TagKey k`) build nested objects and lists, as tccli's
 * unfolded arguments do.
 *
 * @example
 * ```ts
 * parseKmsParams(['--Alias', 'test', '--KeyUsage', 'ASYMMETRIC_SIGN_VERIFY_SM2']) // { Alias: 'test', KeyUsage: ... }
 * ```
 */
export function parseKmsParams(args: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] as string
    const m = PARAM.exec(flag)
    if (!m) {
      throw new KeywardError('InvalidParameter', `Unexpected argument ${JSON.stringify(flag)}: parameters are given as --Name value (Tencent API parameter names, e.g. --KeyId).`)
    }
    if (i + 1 >= args.length) throw new KeywardError('MissingParameter', `${flag} needs a value.`)
    const name = m[1] as string
    const path = [name, ...(m[2] ? m[2].slice(1).split('.') : [])]
    setPath(out, path, convert(name, path, args[i + 1] as string))
  }
  return out
}

function convert(name: string, path: string[], raw: string): Json {
  const leaf = path[path.length - 1] as string
  if (path.length === 1 && NUMERIC_PARAMS.has(name)) {
    if (!/^-?\d+$/.test(raw)) throw new KeywardError('InvalidParameterValue', `--${name} must be an integer, got ${JSON.stringify(raw)}.`)
    return Number(raw)
  }
  if (NUMERIC_PARAMS.has(leaf) && /^-?\d+$/.test(raw)) return Number(raw)
  if (path.length === 1 && JSON_TEXT_PARAMS.has(name)) return raw
  const t = raw.trim()
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t) as Json
    } catch {
      if (LIST_PARAMS.has(name)) {
        throw new KeywardError('InvalidParameterValue', `--${name} is not valid JSON.`)
      }
    }
  }
  if (path.length === 1 && LIST_PARAMS.has(name)) return raw.split(',').map((s) => s.trim()).filter(Boolean)
  return raw
}

function setPath(target: Record<string, Json>, path: string[], value: Json): void {
  let node: Record<string, Json> | Json[] = target
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string
    const last = i === path.length - 1
    const key: string | number = Array.isArray(node) ? Number(seg) : seg
    if (Array.isArray(node) && !Number.isInteger(key)) throw new KeywardError('InvalidParameter', `Bad list index in --${path.join('.')}.`)
    const slot = node as Record<string | number, Json>
    if (last) {
      if (slot[key] !== undefined) throw new KeywardError('InvalidParameter', `--${path.join('.')} is given twice.`)
      slot[key] = value
      return
    }
    if (slot[key] === undefined) slot[key] = /^\d+$/.test(path[i + 1] as string) ? [] : {}
    node = slot[key] as Record<string, Json> | Json[]
  }
}
