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
  /** Aliases the key had before: Deny statements still match them, so renaming a key does not escape a Deny. */
  formerAliases?: readonly string[]
}

/**
 * Actions that recover (or move) plaintext under a key, with the Action whose Deny also denies them: a Deny on
 * Decrypt covers every way of getting the plaintext back, not only the Decrypt Action. (ReEncrypt's destination
 * key is checked with Encrypt instead; see RequestContext.key.)
 */
export const DENIED_ALSO_BY: Readonly<Record<string, readonly string[]>> = {
  ReEncrypt: ['Decrypt'],
  GetDataKeyPlaintext: ['Decrypt'],
  AsymmetricRsaDecrypt: ['Decrypt'],
  AsymmetricSm2Decrypt: ['Decrypt'],
}

const cache = new Map<string, RegExp>()
function glob(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    )
    if (cache.size > 10_000) cache.clear()
    cache.set(pattern, re)
  }
  return re
}

function resourceMatches(pattern: string, res: PolicyResource, deny: boolean): boolean {
  if (pattern === '*') return true
  if (pattern.startsWith('key/')) return res.keyId !== undefined && glob(pattern.slice(4)).test(res.keyId)
  if (pattern.startsWith('alias/')) {
    const re = glob(pattern.slice(6))
    return (
      (res.alias !== undefined && re.test(res.alias)) || (deny && (res.formerAliases ?? []).some((a) => re.test(a)))
    )
  }
  return false
}

/**
 * True when `policy` allows `action` on `res`: some Allow matches (action and resource) and no Deny does. A Deny
 * matches also when it names one of `deniedAlsoBy` (default: {@link DENIED_ALSO_BY}), or one of the key's former
 * aliases.
 */
export function isAllowed(
  policy: AccountPolicy,
  action: string,
  res: PolicyResource,
  deniedAlsoBy: readonly string[] = DENIED_ALSO_BY[action] ?? [],
): boolean {
  let allowed = false
  for (const s of policy.statements) {
    const deny = s.effect === 'Deny'
    const names = deny ? [action, ...deniedAlsoBy] : [action]
    if (!s.actions.some((a) => names.some((n) => glob(a).test(n)))) continue
    if (!s.resources.some((r) => resourceMatches(r, res, deny))) continue
    if (deny) return false
    allowed = true
  }
  return allowed
}

const STATEMENT_FIELDS = new Set(['effect', 'actions', 'resources'])
const RESOURCE = /^(\*|key\/.+|alias\/.+)$/

/** Validates a policy document (from JSON); throws InvalidParameterValue naming the bad part. */
export function checkPolicy(value: unknown): asserts value is AccountPolicy {
  needs(
    value !== null && typeof value === 'object' && !Array.isArray(value),
    'InvalidParameterValue',
    'Policy must be an object with statements.',
  )
  for (const k of Object.keys(value))
    needs(
      k === 'statements',
      'InvalidParameterValue',
      `Policy has an unknown field ${JSON.stringify(k.slice(0, 64))}: only "statements".`,
    )
  const statements = (value as { statements?: unknown }).statements
  needs(
    Array.isArray(statements) && statements.length <= 100,
    'InvalidParameterValue',
    'Policy.statements must be an array of at most 100 statements.',
  )
  statements.forEach((s: unknown, i) => {
    const st = s as Partial<PolicyStatement> | null
    const strings = (v: unknown): boolean =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.length <= 100 &&
      v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 200)
    if (
      !st ||
      typeof st !== 'object' ||
      (st.effect !== 'Allow' && st.effect !== 'Deny') ||
      !strings(st.actions) ||
      !strings(st.resources)
    ) {
      throw new KeywardError(
        'InvalidParameterValue',
        `Policy.statements[${i}] needs effect Allow|Deny and non-empty actions and resources.`,
      )
    }
    // A misspelt field ("condition", "resource") or resource ("keys/...") would silently never match: refuse it.
    for (const k of Object.keys(st))
      needs(
        STATEMENT_FIELDS.has(k),
        'InvalidParameterValue',
        `Policy.statements[${i}] has an unknown field ${JSON.stringify(k.slice(0, 64))}: only effect, actions, resources.`,
      )
    for (const r of st.resources!)
      needs(
        RESOURCE.test(r),
        'InvalidParameterValue',
        `Policy.statements[${i}] resource ${JSON.stringify(r.slice(0, 64))} must be *, key/<KeyId pattern> or alias/<alias pattern>.`,
      )
  })
}
