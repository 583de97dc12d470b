import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { KeywardError, fromBase64, needs, toBase64 } from '@keyward/core'

const NONCE = 12
const TAG = 16

/**
 * Seals small secrets (account SecretKeys) under the server's 32-byte root key with AES-256-GCM, binding a
 * label (the SecretId) as AAD so that a sealed value cannot be moved to another account's row.
 *
 * @example
 * ```ts
 * const box = new SecretBox(rootKey)
 * const sealed = box.seal(Buffer.from(secretKey), secretId)
 * ```
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(rootKey: Uint8Array) {
    /* Precondition: the root key is 32 bytes. */
    needs(rootKey instanceof Uint8Array && rootKey.byteLength === 32, 'InvalidParameterValue', 'The server root key must be 32 bytes.')
    this.#key = Buffer.from(rootKey)
  }

  seal(plaintext: Uint8Array, label: string): string {
    const nonce = randomBytes(NONCE)
    const c = createCipheriv('aes-256-gcm', this.#key, nonce)
    c.setAAD(Buffer.from(label, 'utf8'))
    const body = Buffer.concat([c.update(plaintext), c.final()])
    return toBase64(Buffer.concat([nonce, c.getAuthTag(), body]))
  }

  /** Throws FailedOperation.StoreError when the value was altered or sealed under another root key. */
  open(sealed: string, label: string): Buffer {
    try {
      const b = fromBase64(sealed, 'sealed')
      const d = createDecipheriv('aes-256-gcm', this.#key, b.subarray(0, NONCE))
      d.setAAD(Buffer.from(label, 'utf8'))
      d.setAuthTag(b.subarray(NONCE, NONCE + TAG))
      return Buffer.concat([d.update(b.subarray(NONCE + TAG)), d.final()])
    } catch (e) {
      throw new KeywardError('FailedOperation.StoreError', 'A sealed server secret could not be opened (wrong root key or altered store).', { cause: e })
    }
  }

  /** Zeroes the root key copy. */
  dispose(): void {
    this.#key.fill(0)
  }
}
