import { createHmac, randomBytes } from 'node:crypto'
import { INSPECT, KeywardError, REDACTED, needs, openBox, sealBox, zeroize } from '@keyward/core'
import { loadRootKey, type RootKeySource } from './root-key-file.js'

/**
 * The 32-byte key that encrypts every piece of key material before it reaches the key store. It seals with
 * AES-256-GCM and an AAD naming what is sealed (`label`, e.g. `material\0<keyId>\0<version>`), so a sealed
 * value moved to another key or version no longer opens. It never prints (toJSON / inspect redact it).
 *
 * @example
 * ```ts
 * const root = RootKey.fromBytes(loadRootKey({ keyFile: '/etc/keyward/root.key' }))
 * const sealed = root.seal('material\0k1\0\x01', secret)
 * ```
 */
export class RootKey {
  #key: Buffer

  private constructor(key: Buffer) {
    this.#key = key
  }

  /** Takes a copy of `bytes` (exactly 32); the caller may zero its own copy afterwards. */
  static fromBytes(bytes: Uint8Array): RootKey {
    needs(
      bytes instanceof Uint8Array && bytes.byteLength === 32,
      'InvalidParameterValue',
      'The root key must be exactly 32 bytes.',
    )
    return new RootKey(Buffer.from(bytes))
  }

  /** {@link loadRootKey} (env KEYWARD_ROOT_KEY or a 0600 key file) into a RootKey, zeroing the loaded copy. */
  static load(source?: RootKeySource): RootKey {
    const bytes = loadRootKey(source)
    try {
      return RootKey.fromBytes(bytes)
    } finally {
      zeroize(bytes)
    }
  }

  /** AES-256-GCM of `plaintext` under the root key, bound to `label`: nonce ‖ tag ‖ ciphertext (core's sealBox). */
  seal(label: string, plaintext: Uint8Array): Buffer {
    return sealBox(this.#live(), label, plaintext)
  }

  /**
   * Opens what {@link seal} made with the same label. Failure means the store was written under another root
   * key or altered: a store error, never garbage.
   */
  open(label: string, sealed: Uint8Array): Buffer {
    return openBox(
      this.#live(),
      label,
      sealed,
      'Stored key material does not open with this root key: the root key is wrong or the key store was altered.',
    )
  }

  /** HMAC-SHA-256 under a key derived from the root key for `label` (e.g. to compare imported material). */
  mac(label: string, data: Uint8Array): Buffer {
    const derived = createHmac('sha256', this.#live()).update(`keyward-mac\0${label}`).digest()
    try {
      return createHmac('sha256', derived).update(data).digest()
    } finally {
      zeroize(derived)
    }
  }

  /** Fresh random bytes (kept here so that callers need not import node:crypto for nonces). */
  static random(n: number): Buffer {
    return randomBytes(n)
  }

  /** Zeroes the key; later use throws ProviderUnavailable. */
  destroy(): void {
    zeroize(this.#key)
    this.#key = Buffer.alloc(0)
  }

  #live(): Buffer {
    if (this.#key.length !== 32)
      throw new KeywardError('FailedOperation.ProviderUnavailable', 'The root key was destroyed (provider closed).')
    return this.#key
  }

  toJSON(): string {
    return REDACTED
  }

  [INSPECT](): string {
    return `RootKey(${REDACTED})`
  }
}
