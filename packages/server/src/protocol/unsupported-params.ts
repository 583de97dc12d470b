import { KeywardError } from '@keyward/core'

/**
 * Parameters that Tencent's request models define but Keyward does not implement. Each changes what a request
 * means (act for another member account, place the key in a given HSM cluster, tag it, filter by tags), so
 * ignoring it would let the caller believe something that is not so: a non-empty value is refused with
 * UnsupportedOperation naming it. An empty value (null, '', []) is the same as leaving it out.
 */
export const UNSUPPORTED_PARAMS: Readonly<Record<string, string>> = {
  MemberAccount: 'acting for a member account of a Tencent Cloud organisation',
  MemberAccounts: 'listing the keys of member accounts of a Tencent Cloud organisation',
  HsmClusterId: 'choosing the HSM cluster of the KMS exclusive edition',
  Tags: 'tagging',
  TagFilters: 'filtering by tags',
}

/** Where Keyward does implement one of them: keys are tagged at CreateKey and filtered by ListKeyDetail. */
const IMPLEMENTED_IN: Readonly<Record<string, readonly string[]>> = {
  CreateKey: ['Tags'],
  ListKeyDetail: ['TagFilters'],
}

function isEmptyParam(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)
}

/**
 * Throws UnsupportedOperation for the first non-empty parameter of {@link UNSUPPORTED_PARAMS} that `action` does not
 * implement.
 */
export function checkSupportedParams(action: string, params: Readonly<Record<string, unknown>>): void {
  const implemented = Object.prototype.hasOwnProperty.call(IMPLEMENTED_IN, action) ? (IMPLEMENTED_IN[action] ?? []) : []
  for (const [name, what] of Object.entries(UNSUPPORTED_PARAMS)) {
    if (isEmptyParam(params[name]) || implemented.includes(name)) continue
    throw new KeywardError(
      'UnsupportedOperation',
      `${action}: the parameter ${name} (${what}) is not supported by Keyward KMS; leave it out.`,
    )
  }
}
