import { INSPECT, REDACTED } from './redact.js'

/**
 * A data key from GenerateDataKey: the plaintext to use now and the ciphertext blob to store. The plaintext
 * never prints (toJSON / inspect redact it); call `dispose()` as soon as you are done to zero it.
 *
 * @example
 * ```ts
 * const dk = await provider.generateDataKey({ keyId })
 * try { encryptLocally(dk.plaintext); save(dk.ciphertextBlob) } finally { dk.dispose() }
 * ```
 */
export class DataKey {
  readonly keyId: string
  readonly ciphertextBlob: string
  #plaintext: Uint8Array

  constructor(keyId: string, plaintext: Uint8Array, ciphertextBlob: string) {
    this.keyId = keyId
    this.#plaintext = plaintext
    this.ciphertextBlob = ciphertextBlob
  }

  /** The plaintext key bytes (zeroed by dispose). */
  get plaintext(): Uint8Array {
    return this.#plaintext
  }

  /** Zeroes the plaintext; the object stays usable for its ciphertextBlob. */
  dispose(): void {
    this.#plaintext.fill(0)
  }

  toJSON(): { keyId: string; ciphertextBlob: string; plaintext: string } {
    return { keyId: this.keyId, ciphertextBlob: this.ciphertextBlob, plaintext: REDACTED }
  }

  [INSPECT](): string {
    return `DataKey { keyId: '${this.keyId}', plaintext: ${REDACTED}, ciphertextBlob: '${this.ciphertextBlob.slice(0, 16)}…' }`
  }
}
