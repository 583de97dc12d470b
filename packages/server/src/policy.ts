import { KeywardError, needs } from '@keyward/core'

/**
 * A minimal CAM: per account, statements that allow or deny actions on resources. Deny wins; without a matching
 * Allow the request is denied (UnauthorizedOperation). Patterns use `*` as a wildcard.
 *
 * Resources: `*` (anything), `key/<KeyId>`, `alias/<Alias>` (the account's own alias of the key). Actions that
 * name no key (CreateKey names its new alias; ListKeys, GenerateRandom, ... name none) match only statements whose
 * resources include `*`, or for CreateKey an `alias/...` pattern.
 *
 * @example
 * ```ts
 * const readOnly: AccountPolicy = { statements: [
 *   { effect: 'Allow', actions: ['Decrypt', 'Describe*', 'List*'], resources: ['alias/orders-*'] },
 * ] }
 * ```
 */
export interface AccountPolicy {
  statements: PolicyStatement[]
}

export interface PolicyStatement {
  effect: 'Allow' | 'Deny'
  /** Action names or patterns, e.g. `Encrypt`, `Describe*`, `*`. */
  actions: string[]
  /** `*`, `key/<KeyId pattern>`, `alias/<alias pattern>`. */
  resources: string[]
}

/** Allows everything: the policy of a new account unless one is given. */
export const ALLOW_ALL: AccountPolicy = { statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }] }

/** What a request touches, for policy evaluation. */
export interface PolicyResource {
  keyId?: string
  alias?: string
}

const cache = new Map<string, RegExp>()
function glob(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
    if (cache.size > 10_000) cache.clear()
    cache.set(pattern, re)
  }
  return re
}

function resourceMatches(pattern: string, res: PolicyResource): boolean {
  if (pattern === '*') return true
  if (pattern.startsWith('key/')) return res.keyId !== undefined && glob(pattern.slice(4)).test(res.keyId)
  if (pattern.startsWith('alias/')) return res.alias !== undefined && glob(pattern.slice(6)).test(res.alias)
  return false
}

/** True when `policy` allows `action` on `res`. */
export function isAllowed(policy: AccountPolicy, action: string, res: PolicyResource): boolean {
  let allowed = false
  for (const s of policy.statements) {
    if (!s.actions.some((a) => glob(a).test(action))) continue
    if (!s.resources.some((r) => resourceMatches(r, res))) continue
    if (s.effect === 'Deny') return false
    allowed = true
  }
  return allowed
}

/** Validates a policy document (from JSON); throws InvalidParameterValue naming the bad part. */
export function checkPolicy(value: unknown): asserts value is AccountPolicy {
  needs(value !== null && typeof value === 'object', 'InvalidParameterValue', 'Policy must be an object with statements.')
  const statements = (value as { statements?: unknown }).statements
  needs(Array.isArray(statements) && statements.length <= 100, 'InvalidParameterValue', 'Policy.statements must be an array of at most 100 statements.')
  statements.forEach((s: unknown, i) => {
    const st = s as Partial<PolicyStatement> | null
    const strings = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.length <= 100 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 200)
    if (!st || (st.effect !== 'Allow' && st.effect !== 'Deny') || !strings(st.actions) || !strings(st.resources)) {
      throw new KeywardError('InvalidParameterValue', `Policy.statements[${i}] needs effect Allow|Deny and non-empty actions and resources.`)
    }
  })
}
