import type * as graphene from 'graphene-pk11'
import { KeywardError } from '@keyward/core'

/**
 * Makes sure a secret key the token just made is sensitive and, unless asked otherwise, non-extractable, whatever
 * the template said. Tokens do not all honour the template: openCryptoki 3.8 sets CKA_EXTRACTABLE=TRUE on every
 * key made by C_UnwrapKey even when the template says FALSE. PKCS#11 lets an attribute move towards safety
 * (EXTRACTABLE TRUE→FALSE, SENSITIVE FALSE→TRUE), so it is set and read back; a token that still refuses gets
 * its object destroyed and the call fails, rather than leaving key material that can leave the token.
 */
export function enforceKeyAttributes(session: graphene.Session, key: graphene.Key, extractable: boolean): void {
  const read = (): { extractable: boolean; sensitive: boolean } => {
    const a = key.getAttribute({ extractable: null, sensitive: null })
    return { extractable: a.extractable === true, sensitive: a.sensitive === true }
  }
  let now = read()
  if (now.sensitive && now.extractable === extractable) return
  try {
    if (!now.sensitive) key.setAttribute({ sensitive: true })
    if (now.extractable && !extractable) key.setAttribute({ extractable: false })
    now = read()
  } catch {
    // Judged by the read-back below (or the failed read): an object we cannot make safe is destroyed.
  }
  if (now.sensitive && (now.extractable === extractable || !now.extractable)) return
  try {
    session.destroy(key)
  } catch {
    /* the error below is what matters */
  }
  throw new KeywardError(
    'UnsupportedOperation',
    `The token made a key that is ${now.sensitive ? '' : 'not sensitive and '}${now.extractable ? 'extractable' : 'not extractable'} and would not change it; the key was destroyed.`,
  )
}
