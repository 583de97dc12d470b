import { KeywardError, checkEncryptionContext, fromBase64, needs, type EncryptionContext } from '@keyward/core'

/** The JSON body of a request: Tencent parameters by PascalCase name. */
export type Params = Readonly<Record<string, unknown>>

/** A required string parameter. */
export function str(p: Params, name: string, max = 4096): string {
  const v = p[name]
  needs(v !== undefined && v !== null, 'MissingParameter', `The parameter ${name} is required.`)
  needs(typeof v === 'string', 'InvalidParameter', `${name} must be a string.`)
  needs(v.length <= max, 'InvalidParameterValue', `${name} must be at most ${max} characters.`)
  return v
}

/** An optional string parameter. */
export function optStr(p: Params, name: string, max = 4096): string | undefined {
  return p[name] === undefined || p[name] === null ? undefined : str(p, name, max)
}

/** An optional integer parameter (Tencent SDKs send numbers; tccli may send digit strings). */
export function optInt(p: Params, name: string): number | undefined {
  const v = p[name]
  if (v === undefined || v === null) return undefined
  const n = typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v
  needs(typeof n === 'number' && Number.isSafeInteger(n), 'InvalidParameter', `${name} must be an integer.`)
  return n
}

/** A required integer parameter. */
export function int(p: Params, name: string): number {
  const n = optInt(p, name)
  needs(n !== undefined, 'MissingParameter', `The parameter ${name} is required.`)
  return n
}

/** An optional integer within [min, max], `fallback` when absent. */
export function intIn(p: Params, name: string, min: number, max: number, fallback: number): number {
  const n = optInt(p, name) ?? fallback
  needs(n >= min && n <= max, 'InvalidParameterValue', `${name} must be from ${min} to ${max}.`)
  return n
}

/**
 * A required base64 parameter, decoded strictly (no silently dropped characters); the final `=` padding may be left
 * out, as Tencent's API accepts (tccli's own docs pass `--Plaintext dGVzdCUyMHBsYWluJTIwdGV4dA`).
 */
export function bytes(p: Params, name: string, maxChars = 16_384): Buffer {
  return fromBase64(str(p, name, maxChars), name, { allowUnpadded: true })
}

/** A required array of strings (KeyIds, DataKeyIds): 1-`max` entries. */
export function strList(p: Params, name: string, max = 100): string[] {
  const v = p[name]
  needs(v !== undefined && v !== null, 'MissingParameter', `The parameter ${name} is required.`)
  needs(
    Array.isArray(v) && v.every((x) => typeof x === 'string'),
    'InvalidParameter',
    `${name} must be an array of strings.`,
  )
  needs(v.length >= 1 && v.length <= max, 'InvalidParameterValue', `${name} must have 1-${max} entries.`)
  return v as string[]
}

/** An EncryptionContext, which arrives as a JSON string of string values (≤ 1024 characters). */
export function encryptionContext(p: Params, name = 'EncryptionContext'): EncryptionContext | undefined {
  const raw = optStr(p, name, 1024)
  if (raw === undefined || raw === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', `${name} must be a JSON object of strings.`, { cause: e })
  }
  checkEncryptionContext(parsed, name)
  return parsed
}

/** A required value out of a fixed list. */
export function oneOf<T extends string>(p: Params, name: string, allowed: readonly T[], fallback?: T): T {
  const v = p[name] === undefined || p[name] === null ? fallback : str(p, name, 64)
  needs(v !== undefined, 'MissingParameter', `The parameter ${name} is required.`)
  needs(
    (allowed as readonly string[]).includes(v),
    'InvalidParameterValue',
    `${name} must be one of ${allowed.join(', ')}.`,
  )
  return v as T
}
