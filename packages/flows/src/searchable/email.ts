import { domainToASCII } from 'node:url'
import { invalidIndexValue, prepared } from './normalizer.js'

const KIND = 'e-mail address'
/** One DNS label in ASCII (RFC 1035 §2.3.1, digits allowed first as RFC 1123 says). */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/**
 * An e-mail address: trimmed, Unicode NFC, lower-cased, the domain in its IDNA ASCII form (`例子.中国` and
 * `xn--fsqu00a.xn--fiqs8s` are one domain). Exactly one `@`, a local part of 1-64 characters without spaces, a
 * domain with at least one dot, 254 characters in all (RFC 5321 §4.5.3). Lower-casing the local part is what
 * users expect, though RFC 5321 lets a server tell `Bob@` from `bob@`; provider-specific aliases (dots and
 * `+tag` at Gmail) are kept as typed.
 *
 * @example
 * ```ts
 * normalizeEmail('  Zhang.San@Example.COM ') // 'zhang.san@example.com'
 * normalizeEmail('zhang.san@')               // throws
 * ```
 */
export function normalizeEmail(value: string): string {
  // NFC rather than the NFKC of the numeric normalisers: compatibility folding would change what a local part says.
  const s = prepared(KIND, value, 'NFC')
  const at = s.indexOf('@')
  if (at < 0 || at !== s.lastIndexOf('@')) throw invalidIndexValue(KIND, 'expected exactly one @')
  const local = s.slice(0, at).toLowerCase()
  const domainIn = s.slice(at + 1)
  if (local.length === 0 || local.length > 64)
    throw invalidIndexValue(KIND, 'the part before @ must be 1-64 characters')
  if (/[\s\p{Cc}]/u.test(local)) throw invalidIndexValue(KIND, 'the part before @ holds spaces or control characters')
  // `%` is refused before IDNA: the URL host parser would percent-decode it (`ex%61mple.com` is example.com).
  if (domainIn.length === 0 || /[\s\p{Cc}%]/u.test(domainIn))
    throw invalidIndexValue(KIND, 'the domain is empty or holds spaces or %')
  const labels = domainToASCII(domainIn).toLowerCase().split('.')
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)))
    throw invalidIndexValue(KIND, 'the domain is not a valid domain name')
  const domain = labels.join('.')
  const out = `${local}@${domain}`
  if (out.length > 254) throw invalidIndexValue(KIND, 'longer than 254 characters')
  return out
}
