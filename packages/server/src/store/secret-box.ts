import { fromBase64, KeywardError, needs, openBox, sealBox, toBase64 } from '@keyward/core'

const FAILURE = 'A sealed server secret could not be opened (wrong root key or altered store).'

/**
 * Seals small secrets (account SecretKeys) under the server's 32-byte root key with AES-256-GCM, binding a
 * label (the SecretId) as AAD so that a sealed value cannot be moved to another account's row.
 *
 * @example
 * ```ts
 * const box = new SecretBox(rootKey)
 * const sealed = box.seal(secretId, Buffer.from(secretKey))
 * ```
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(rootKey: Uint8Array) {
    /* Precondition: the root key is 32 bytes. */
    needs(
      rootKey instanceof Uint8Array && rootKey.byteLength === 32,
      'InvalidParameterValue',
      'The server root key must be 32 bytes.',
    )
    this.#key = Buffer.from(rootKey)
  }

  /** core's sealBox (label first, as everywhere), as base64 for a text column. */
  seal(label: string, plaintext: Uint8Array): string {
    return toBase64(sealBox(this.#key, label, plaintext))
  }

  /** Throws FailedOperation.StoreError when the value was altered or sealed under another root key. */
  open(label: string, sealed: string): Buffer {
    let bytes: Buffer
    try {
      bytes = fromBase64(sealed, 'sealed')
    } catch (cause) {
      throw new KeywardError('FailedOperation.StoreError', FAILURE, { cause })
    }
    return openBox(this.#key, label, bytes, FAILURE)
  }

  /** Zeroes the root key copy. */
  dispose(): void {
    this.#key.fill(0)
  }
}
