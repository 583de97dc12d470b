import {
  KeywardError,
  checkInt,
  decryptionFailed,
  isKeywardError,
  needs,
  zeroize,
  type CallOptions,
  type EncryptionContext,
  type KeywardErrorCode,
} from '@keyward/core'
import { MAX_EDKS_IN_FORMAT, type EncryptedDataKey } from './encrypted-data-key.js'
import { KeyringTally, type FailedDecryptAttempt, type KeyringCounters } from './keyring-counters.js'
import type { MasterKey } from './master-key.js'

/** Options of {@link Keyring}. */
export interface KeyringOptions {
  /** Refuse messages carrying more encrypted data keys than this (as the ESDK's maxEncryptedDataKeys). Default 10. */
  maxEncryptedDataKeys?: number
  /** Decryption calls only master keys for data keys this accepts (e.g. never call the cloud from the DR site). */
  decryptFilter?: (edk: EncryptedDataKey) => boolean
  /**
   * Give up on a message once this many master-key calls for it have failed (an error, or a data key its header
   * does not commit to). A success ends the search, so this also bounds the calls one message can cause — a forged
   * message listing 255 data keys under the application's own KeyId costs this many KMS calls, not 255.
   * Default: the number of master keys, at least 2 (each master key gets one try: a fail-over keyring still
   * reaches its last key; a discovery key may skip one data key it cannot open). 1 .. 255.
   */
  maxFailedDecryptAttempts?: number
  /** Called for each failed attempt (wire it to your metrics); see also {@link Keyring.counters}. */
  onFailedDecryptAttempt?: (attempt: FailedDecryptAttempt) => void
}

/** A data key opened by a keyring: what `accept` made of it, and the encrypted copy it came from. */
export interface OpenedDataKey<T> {
  readonly value: T
  readonly encryptedDataKey: EncryptedDataKey
}

/** A data key with all its encrypted copies. */
export interface KeyringMaterial {
  readonly plaintext: Uint8Array
  readonly encryptedDataKeys: readonly EncryptedDataKey[]
}

/** Errors that mean "this master key is unreachable now", not "this ciphertext is bad". */
const UNREACHABLE: ReadonlySet<KeywardErrorCode> = new Set<KeywardErrorCode>([
  'FailedOperation.NetworkError',
  'FailedOperation.Timeout',
  'FailedOperation.ProviderUnavailable',
  'FailedOperation.Aborted',
  'RequestLimitExceeded',
  'InternalError',
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
  readonly maxFailedDecryptAttempts: number
  readonly #filter: (edk: EncryptedDataKey) => boolean
  readonly #tally: KeyringTally

  constructor(masterKeys: readonly MasterKey[], opts: KeyringOptions = {}) {
    /* Precondition: a keyring has at least one master key. */
    needs(
      Array.isArray(masterKeys) && masterKeys.length > 0,
      'MissingParameter',
      'A Keyring needs at least one master key.',
    )
    const max = opts.maxEncryptedDataKeys ?? 10
    checkInt('maxEncryptedDataKeys', max, 1, MAX_EDKS_IN_FORMAT)
    /* Precondition: the keyring itself must not exceed maxEncryptedDataKeys. */
    needs(
      masterKeys.length <= max,
      'InvalidParameterValue',
      `The keyring has ${masterKeys.length} master keys, more than maxEncryptedDataKeys (${max}).`,
    )
    this.masterKeys = [...masterKeys]
    this.maxEncryptedDataKeys = max
    this.maxFailedDecryptAttempts = opts.maxFailedDecryptAttempts ?? Math.max(2, masterKeys.length)
    checkInt('maxFailedDecryptAttempts', this.maxFailedDecryptAttempts, 1, MAX_EDKS_IN_FORMAT)
    needs(
      opts.onFailedDecryptAttempt === undefined || typeof opts.onFailedDecryptAttempt === 'function',
      'InvalidParameterValue',
      'onFailedDecryptAttempt must be a function.',
    )
    this.#filter = opts.decryptFilter ?? (() => true)
    this.#tally = new KeyringTally(opts.onFailedDecryptAttempt)
  }

  /** Data-key attempts so far (a snapshot): calls, failures, messages given up on. */
  get counters(): KeyringCounters {
    return this.#tally.snapshot()
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
      needs(
        g.plaintext.length === length,
        'InternalError',
        `The master key returned a ${g.plaintext.length}-byte data key, expected ${length}.`,
      )
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
  async decrypt(
    edks: readonly EncryptedDataKey[],
    ctx: EncryptionContext,
    length: number,
    opts?: CallOptions,
  ): Promise<Uint8Array> {
    return (await this.open(edks, ctx, length, (dk) => Buffer.from(dk), opts)).value
  }

  /**
   * Tries the encrypted copies in order until one opens **and** `accept` takes its data key — `accept` throws
   * (the fixed decryption error) for a key the message does not commit to, and the search goes on — within
   * `maxFailedDecryptAttempts`. The data key is zeroed once `accept` returns: it must copy what it keeps.
   * Failures are as {@link decrypt}'s.
   */
  async open<T>(
    edks: readonly EncryptedDataKey[],
    ctx: EncryptionContext,
    length: number,
    accept: (dataKey: Uint8Array) => T,
    opts?: CallOptions,
  ): Promise<OpenedDataKey<T>> {
    if (edks.length > this.maxEncryptedDataKeys) {
      throw new KeywardError(
        'FailedOperation.InvalidMessage',
        `The message carries ${edks.length} encrypted data keys, more than maxEncryptedDataKeys (${this.maxEncryptedDataKeys}).`,
      )
    }
    const errors: unknown[] = []
    for (const edk of edks) {
      if (!this.#filter(edk)) continue
      for (const m of this.masterKeys) {
        if (!m.canDecrypt(edk)) continue
        if (errors.length >= this.maxFailedDecryptAttempts) {
          this.#tally.attemptCapsReached++
          throw failure(errors)
        }
        this.#tally.decryptAttempts++
        let dataKey: Uint8Array | undefined
        try {
          dataKey = await m.decryptDataKey(edk, ctx, opts)
          if (dataKey.length !== length) throw decryptionFailed(new Error('data key of the wrong length'))
          return { value: accept(dataKey), encryptedDataKey: edk }
        } catch (e) {
          if (isKeywardError(e, 'FailedOperation.Aborted')) throw e
          errors.push(e)
          this.#tally.failed(edk, e)
        } finally {
          if (dataKey) zeroize(dataKey)
        }
      }
    }
    throw failure(errors)
  }
}

/** The error of a search that found nothing: a backend's when every attempt found it unreachable (retryable). */
function failure(errors: readonly unknown[]): KeywardError {
  const unreachable = errors.filter((e) => isKeywardError(e) && UNREACHABLE.has(e.code))
  if (unreachable.length > 0 && unreachable.length === errors.length)
    return unreachable[unreachable.length - 1] as KeywardError
  return decryptionFailed(
    errors.length
      ? new AggregateError(errors, 'no master key could decrypt a data key')
      : new Error('no master key in the keyring matches the message'),
  )
}
