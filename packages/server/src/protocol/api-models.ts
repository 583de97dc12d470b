/**
 * The request model of every Action: Tencent's, read from the SDK (kms-api-models.generated.ts), plus Keyward's
 * documented extensions. One table for the server (UnknownParameter) and the CLI (parameter checks, help,
 * skeletons), so that a misspelled `EncryptionContxt` is refused everywhere instead of silently ignored.
 */
import { KeywardError } from '@keyward/core'
import type { ApiField } from './kms-api-model-types.js'
import { KMS_REQUEST_MODELS, KMS_SDK_VERSION, KMS_STRUCT_MODELS } from './kms-api-models.generated.js'

export type { ApiField } from './kms-api-model-types.js'
export { KMS_SDK_VERSION }

const field = (name: string, type: string, required: boolean, description: string, list = false): ApiField => ({
  name,
  type,
  list,
  required,
  description,
})

/** Actions that exist only in Keyward (accounts and grants); call them with the SDK's `client.request(Action, …)`. */
export const KEYWARD_EXTENSION_ACTIONS: Readonly<Record<string, readonly ApiField[]>> = {
  CreateGrant: [
    field('KeyId', 'string', true, 'The key to grant access to (owned by the caller)'),
    field('GranteeAccountName', 'string', true, 'The account that receives the grant'),
    field('Operations', 'string', true, 'Actions the grantee may run on this key', true),
  ],
  RevokeGrant: [field('GrantId', 'string', true, 'The grant to revoke (made by the caller)')],
  ListGrants: [field('KeyId', 'string', true, 'The key whose grants to list (owned by the caller)')],
  CreateAccount: [
    field('AccountName', 'string', true, 'Name of the new account (unique)'),
    field('Policy', 'string', false, 'The account policy, a JSON policy document'),
    field('Role', 'string', false, '"admin" for an administrator account; anything else or absent: a normal account'),
  ],
  PutAccountPolicy: [
    field('AccountName', 'string', true, 'The account whose policy to replace'),
    field('Policy', 'string', true, 'The account policy, a JSON policy document'),
  ],
  RotateAccountSecret: [
    field(
      'AccountName',
      'string',
      true,
      'The account that gets a new SecretKey (shown once; the old one stops working)',
    ),
  ],
}

/** Parameters Keyward adds to Tencent Actions. */
export const KEYWARD_EXTENSION_PARAMS: Readonly<Record<string, readonly ApiField[]>> = {
  CreateKey: [
    field(
      'KeyId',
      'string',
      false,
      'Keyward extension, Type=2 only: the KeyId to create (UUID), for migrating a key under its own id',
    ),
    field('KeySpec', 'string', false, 'Keyward extension: AES_256 (default) or SM4, for ENCRYPT_DECRYPT keys'),
  ],
}

/**
 * The parameters `action` takes (Tencent's request model, then Keyward's extensions), or undefined when neither
 * Tencent's API nor Keyward defines the Action.
 */
export function requestModel(action: string): readonly ApiField[] | undefined {
  if (Object.prototype.hasOwnProperty.call(KEYWARD_EXTENSION_ACTIONS, action)) return KEYWARD_EXTENSION_ACTIONS[action]
  if (!Object.prototype.hasOwnProperty.call(KMS_REQUEST_MODELS, action)) return undefined
  const base = KMS_REQUEST_MODELS[action] ?? []
  const extra = Object.prototype.hasOwnProperty.call(KEYWARD_EXTENSION_PARAMS, action)
    ? (KEYWARD_EXTENSION_PARAMS[action] ?? [])
    : []
  return extra.length ? [...base, ...extra] : base
}

/** The fields of a structure a request nests (Tag, TagFilter, MemberAccount...), or undefined for a scalar type. */
export function structModel(type: string): readonly ApiField[] | undefined {
  return Object.prototype.hasOwnProperty.call(KMS_STRUCT_MODELS, type) ? KMS_STRUCT_MODELS[type] : undefined
}

/** Every Action name Tencent's SDK or Keyward defines, sorted. */
export function modelledActions(): string[] {
  return [...new Set([...Object.keys(KMS_REQUEST_MODELS), ...Object.keys(KEYWARD_EXTENSION_ACTIONS)])].sort()
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    prev = cur
  }
  return prev[b.length] as number
}

/**
 * The known name closest to `name` — a case-only difference first, else the smallest edit distance within about a
 * third of the name's length — or undefined when nothing is close.
 *
 * @example
 * ```ts
 * closestName('EncryptionContxt', ['KeyId', 'Plaintext', 'EncryptionContext']) // 'EncryptionContext'
 * ```
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  const caseOnly = known.find((k) => k.toLowerCase() === lower)
  if (caseOnly) return caseOnly
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [k, d]
  }
  return best
}

function unknown(path: string, name: string, known: readonly ApiField[]): KeywardError {
  const close = closestName(
    name,
    known.map((f) => f.name),
  )
  const where = path ? `${path}.${name}` : name
  return new KeywardError(
    'UnknownParameter',
    `The parameter ${where} is not recognized${close ? `; did you mean ${path ? `${path}.` : ''}${close}?` : '.'}`,
  )
}

function checkObject(value: Readonly<Record<string, unknown>>, fields: readonly ApiField[], path: string): void {
  for (const name of Object.keys(value)) {
    const f = fields.find((x) => x.name === name)
    if (!f) throw unknown(path, name, fields)
    const nested = structModel(f.type)
    const v = value[name]
    if (!nested || v === null || typeof v !== 'object') continue
    const here = path ? `${path}.${name}` : name
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item !== null && typeof item === 'object' && !Array.isArray(item))
          checkObject(item as Record<string, unknown>, nested, `${here}.${i}`)
      })
    } else {
      checkObject(v as Record<string, unknown>, nested, here)
    }
  }
}

/**
 * Throws `UnknownParameter` (naming the parameter and the closest known one) when `params` holds a name that the
 * Action's request model does not define, at any depth (`Tags.0.TagKy`). Actions without a model are left to the
 * caller (the server answers InvalidAction for them). Types and values are the handlers' to check.
 *
 * @example
 * ```ts
 * checkRequestParams('Encrypt', { KeyId: k, Plaintext: p, EncryptionContxt: '{}' })
 * // KeywardError UnknownParameter: The parameter EncryptionContxt is not recognized; did you mean EncryptionContext?
 * ```
 */
export function checkRequestParams(action: string, params: Readonly<Record<string, unknown>>): void {
  const model = requestModel(action)
  if (model) checkObject(params, model, '')
}
