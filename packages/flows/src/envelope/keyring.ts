import { KeywardError, checkInt, decryptionFailed, isKeywardError, needs, zeroize, type CallOptions, type EncryptionContext, type KeywardErrorCode } from '@keyward/core'
import { MAX_EDKS_IN_FORMAT, type EncryptedDataKey } from './encrypted-data-key.js'
import type { MasterKey } from './master-key.js'

/** Options of {@link Keyring}. */
export interface KeyringOptions {
  /** Refuse messages carrying more encrypted data keys than this (as the ESDK's maxEncryptedDataKeys). Default 10. */
  maxEncryptedDataKeys?: number
  /** Decryption calls only master keys for data keys this accepts (e.g. never call the cloud from the DR site). */
  decryptFilter?: (edk: EncryptedDataKey) => boolean
}

/** A data key with all its encrypted copies. */
export interface KeyringMaterial {
  readonly plaintext: Uint8Array
  readonly encryptedDataKeys: readonly EncryptedDataKey[]
}

/** Errors that mean "this master key is unreachable now", not "this ciphertext is bad". */
const UNREACHABLE: ReadonlySet<KeywardErrorCode> = new Set<KeywardErrorCode>([
  'FailedOperation.NetworkError', 'FailedOperation.Timeout', 'FailedOperation.ProviderUnavailable', 'FailedOperation.Aborted',
  'RequestLimitExceeded', 'InternalError',
])

/**
 * Several master keys for one message: the first generates the data key, every other one adds an encrypted
 * copy, and decryption uses whichever master key can open one of the copies (e.g. Tencent KMS, or the
 * on-prem HSM when the cloud is unreachable).
 *
 * @example
 * ```ts
 * const keyring = new Keyring([cloudKey, hsmKey], { maxEncryptedDataKeys: 3 })
 * const client = new EnvelopeClient({ keyring })
 * ```
 */
export class Keyring {
  readonly masterKeys: readonly MasterKey[]
  readonly maxEncryptedDataKeys: number
  readonly #filter: (edk: EncryptedDataKey) => boolean

  constructor(masterKeys: readonly MasterKey[], opts: KeyringOptions = {}) {
    /* Precondition: a keyring has at least one master key. */
    needs(Array.isArray(masterKeys) && masterKeys.length > 0, 'MissingParameter', 'A Keyring needs at least one master key.')
    const max = opts.maxEncryptedDataKeys ?? 10
    checkInt('maxEncryptedDataKeys', max, 1, MAX_EDKS_IN_FORMAT)
    /* Precondition: the keyring itself must not exceed maxEncryptedDataKeys. */
    needs(masterKeys.length <= max, 'InvalidParameterValue', `The keyring has ${masterKeys.length} master keys, more than maxEncryptedDataKeys (${max}).`)
    this.masterKeys = [...masterKeys]
    this.maxEncryptedDataKeys = max
    this.#filter = opts.decryptFilter ?? (() => true)
  }

  /** A stable name of the master keys, used to partition the data-key cache. */
  get id(): string {
    return JSON.stringify(this.masterKeys.map((m) => [m.providerName, m.keyId]))
  }

  /** A new data key of `length` bytes encrypted under every master key. */
  async generate(length: number, ctx: EncryptionContext, opts?: CallOptions): Promise<KeyringMaterial> {
    const [first, ...others] = this.masterKeys as [MasterKey, ...MasterKey[]]
    const g = await first.generateDataKey(length, ctx, opts)
    try {
      needs(g.plaintext.length === length, 'InternalError', `The master key returned a ${g.plaintext.length}-byte data key, expected ${length}.`)
      const more = await Promise.all(others.map((m) => m.encryptDataKey(g.plaintext, ctx, opts)))
      return { plaintext: g.plaintext, encryptedDataKeys: [g.encryptedDataKey, ...more] }
    } catch (e) {
      zeroize(g.plaintext)
      throw e
    }
  }

  /**
   * The plaintext data key from the first copy one of the master keys can open. When every attempt failed
   * because a backend was unreachable, that error is thrown (retry later); otherwise the decryption failure.
   */
  async decrypt(edks: readonly EncryptedDataKey[], ctx: EncryptionContext, length: number, opts?: CallOptions): Promise<Uint8Array> {
    if (edks.length > this.maxEncryptedDataKeys) {
      throw new KeywardError('FailedOperation.InvalidMessage', `The message carries ${edks.length} encrypted data keys, more than maxEncryptedDataKeys (${this.maxEncryptedDataKeys}).`)
    }
    const errors: unknown[] = []
    for (const edk of edks) {
      if (!this.#filter(edk)) continue
      for (const m of this.masterKeys) {
        if (!m.canDecrypt(edk)) continue
        try {
          const pt = await m.decryptDataKey(edk, ctx, opts)
          if (pt.length === length) return pt
          zeroize(pt)
          errors.push(new Error('data key of the wrong length'))
        } catch (e) {
          if (isKeywardError(e, 'FailedOperation.Aborted')) throw e
          errors.push(e)
        }
      }
    }
    const unreachable = errors.filter((e) => isKeywardError(e) && UNREACHABLE.has(e.code))
    if (unreachable.length > 0 && unreachable.length === errors.length) throw unreachable[unreachable.length - 1]
    throw decryptionFailed(errors.length ? new AggregateError(errors, 'no master key could decrypt a data key') : new Error('no master key in the keyring matches the message'))
  }
}
