/**
 * The one way Keyward seals a secret under a root key before it reaches a store: AES-256-GCM, a fresh 96-bit
 * nonce, a 128-bit tag and the UTF-8 `label` (what is sealed and for whom, e.g. `material\0<keyId>\0<version>` or a
 * SecretId) as AAD, laid out nonce ‖ tag ‖ ciphertext. The label binds the value to its place: moved to another
 * key, version or account it no longer opens. Used by the software provider's RootKey and the server's SecretBox.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { KeywardError } from './errors.js'

const NONCE = 12
const TAG = 16
const KEY = 32
/** Bytes a sealed value adds to its plaintext: nonce ‖ tag. */
export const SEAL_OVERHEAD = NONCE + TAG

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== KEY) {
    throw new KeywardError(
      'FailedOperation.ProviderUnavailable',
      'The root key is not 32 bytes (destroyed or never loaded).',
    )
  }
}

/**
 * Seals `plaintext` under the 32-byte `rootKey`, bound to `label`; returns nonce ‖ tag ‖ ciphertext.
 *
 * @example
 * ```ts
 * const sealed = sealBox(rootKey, `record\0${keyId}\0rotation`, value)
 * openBox(rootKey, `record\0${keyId}\0rotation`, sealed) // value
 * ```
 */
export function sealBox(rootKey: Uint8Array, label: string, plaintext: Uint8Array): Buffer {
  checkKey(rootKey)
  const nonce = randomBytes(NONCE)
  const c = createCipheriv('aes-256-gcm', rootKey, nonce, { authTagLength: TAG })
  c.setAAD(Buffer.from(label, 'utf8'))
  const body = Buffer.concat([c.update(plaintext), c.final()])
  return Buffer.concat([nonce, c.getAuthTag(), body])
}

/**
 * Opens what {@link sealBox} made with the same key and label. Any failure (other key or label, altered or cut
 * value) is `FailedOperation.StoreError` with `failure` as its message: the store is wrong, never garbage out.
 */
export function openBox(
  rootKey: Uint8Array,
  label: string,
  sealed: Uint8Array,
  failure = 'A sealed value does not open: wrong root key or altered store.',
): Buffer {
  checkKey(rootKey)
  try {
    if (!(sealed instanceof Uint8Array) || sealed.byteLength < SEAL_OVERHEAD) throw new Error('sealed value too short')
    const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
    // The tag length is pinned: Node otherwise accepts a truncated tag.
    const d = createDecipheriv('aes-256-gcm', rootKey, b.subarray(0, NONCE), { authTagLength: TAG })
    d.setAAD(Buffer.from(label, 'utf8'))
    d.setAuthTag(b.subarray(NONCE, SEAL_OVERHEAD))
    return Buffer.concat([d.update(b.subarray(SEAL_OVERHEAD)), d.final()])
  } catch (cause) {
    throw new KeywardError('FailedOperation.StoreError', failure, { cause })
  }
}
