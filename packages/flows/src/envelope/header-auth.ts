import { timingSafeEqual } from 'node:crypto'
import { decryptionFailed } from '@keyward/core'
import { frameNonce, type DerivedKeys } from './key-derivation.js'
import type { Suite } from './suites.js'

/** The header tag: GCM over no plaintext, AAD = the authenticated header bytes, nonce of sequence 0. */
export function headerTag(suite: Suite, keys: DerivedKeys, authenticated: Uint8Array): Buffer {
  const c = suite.createCipher(keys.cipherKey, frameNonce(keys.nonceBase, 0))
  c.setAAD(authenticated)
  c.final()
  return c.getAuthTag()
}

/**
 * Checks the key commitment, then the header tag, before any frame is decrypted: a wrong data key (e.g. a
 * message crafted to decrypt differently under two keys) fails here.
 */
export function checkHeader(
  suite: Suite,
  keys: DerivedKeys,
  commitment: Uint8Array,
  authenticated: Uint8Array,
  tag: Uint8Array,
): void {
  if (commitment.length !== keys.commitment.length || !timingSafeEqual(commitment, keys.commitment))
    throw decryptionFailed(new Error('key commitment mismatch'))
  const d = suite.createDecipher(keys.cipherKey, frameNonce(keys.nonceBase, 0))
  d.setAAD(authenticated)
  d.setAuthTag(tag)
  try {
    d.final()
  } catch (e) {
    throw decryptionFailed(e)
  }
}
