import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import {
  INSPECT,
  REDACTED,
  canonicalEncryptionContext,
  checkBytes,
  decryptionFailed,
  needs,
  requireCompliantFor,
  type EncryptionContext,
} from '@keyward/core'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import type { GeneratedDataKey, MasterKey } from './master-key.js'

/** Options of {@link RawAesMasterKey}. */
export interface RawAesMasterKeyOptions {
  /** Written as the provider name of its encrypted data keys, e.g. `raw-aes` or an application name. */
  namespace: string
  /** Names this key in messages (1-255 bytes). */
  keyId: string
  /** 32 bytes; copied, and zeroed by dispose(). */
  key: Uint8Array
}

const LABEL = Buffer.from('KEYWARD-RAW-AES-V1', 'ascii')

/**
 * A local AES-256 key that wraps data keys with AES-256-GCM (as the AWS Encryption SDK's raw AES keyring):
 * for tests, golden files, air-gapped setups, and as a second copy next to a KMS key. The blob is
 * `nonce(12) ‖ ciphertext ‖ tag(16)`; the AAD binds namespace, KeyId and the encryption context.
 *
 * @example
 * ```ts
 * const local = new RawAesMasterKey({ namespace: 'backup', keyId: 'offline-1', key: thirtyTwoBytes })
 * const client = new EnvelopeClient({ keyring: new Keyring([local]) })
 * ```
 */
export class RawAesMasterKey implements MasterKey {
  readonly providerName: string
  readonly keyId: string
  readonly #key: Buffer
  #disposed = false

  constructor(opts: RawAesMasterKeyOptions) {
    /* Precondition: a raw AES master key needs a namespace, a KeyId and a 32-byte key. */
    for (const [field, v] of [
      ['namespace', opts?.namespace],
      ['keyId', opts?.keyId],
    ] as const) {
      needs(
        typeof v === 'string' && v.length > 0 && Buffer.byteLength(v) <= 255,
        'InvalidParameterValue',
        `${field} must be 1-255 bytes.`,
      )
    }
    checkBytes('key', opts.key, 32, 32)
    // It wraps data keys with AES-256-GCM itself: no provider's profile stands between it and the algorithm.
    requireCompliantFor([], 'blobCipher', 'AES-256-GCM', 'RawAesMasterKey')
    this.providerName = opts.namespace
    this.keyId = opts.keyId
    this.#key = Buffer.from(opts.key)
  }

  #aad(ctx: EncryptionContext): Buffer {
    needs(!this.#disposed, 'FailedOperation.ProviderUnavailable', 'This RawAesMasterKey was disposed.')
    const ns = Buffer.from(this.providerName, 'utf8')
    const id = Buffer.from(this.keyId, 'utf8')
    return Buffer.concat([
      LABEL,
      Buffer.from([ns.length]),
      ns,
      Buffer.from([id.length]),
      id,
      canonicalEncryptionContext(ctx),
    ])
  }

  async generateDataKey(length: number, ctx: EncryptionContext): Promise<GeneratedDataKey> {
    const plaintext = randomBytes(length)
    return { plaintext, encryptedDataKey: await this.encryptDataKey(plaintext, ctx) }
  }

  async encryptDataKey(plaintext: Uint8Array, ctx: EncryptionContext): Promise<EncryptedDataKey> {
    const nonce = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.#key, nonce)
    c.setAAD(this.#aad(ctx))
    const blob = Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()])
    return { providerName: this.providerName, keyId: this.keyId, blob }
  }

  canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerName === this.providerName && edk.keyId === this.keyId
  }

  async decryptDataKey(edk: EncryptedDataKey, ctx: EncryptionContext): Promise<Uint8Array> {
    if (edk.blob.length < 12 + 16 + 1) throw decryptionFailed(new Error('raw AES blob too short'))
    const b = Buffer.from(edk.blob)
    const d = createDecipheriv('aes-256-gcm', this.#key, b.subarray(0, 12))
    d.setAAD(this.#aad(ctx))
    d.setAuthTag(b.subarray(b.length - 16))
    const out = d.update(b.subarray(12, b.length - 16))
    try {
      d.final()
    } catch (e) {
      out.fill(0)
      throw decryptionFailed(e)
    }
    return out
  }

  /** Zeroes the key; later calls fail. */
  dispose(): void {
    this.#key.fill(0)
    this.#disposed = true
  }

  toJSON(): { namespace: string; keyId: string; key: string } {
    return { namespace: this.providerName, keyId: this.keyId, key: REDACTED }
  }

  [INSPECT](): string {
    return `RawAesMasterKey { namespace: '${this.providerName}', keyId: '${this.keyId}', key: ${REDACTED} }`
  }
}
