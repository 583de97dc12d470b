import { isKeywardError } from '@keyward/core'
import type { EncryptedDataKey } from './encrypted-data-key.js'

/**
 * What a keyring counts while it opens data keys: every master-key call a message causes costs quota (and money,
 * against a cloud KMS), and a burst of failed ones is what a forged message with many encrypted data keys looks
 * like. Read them with `keyring.counters`, or feed each failure to your metrics with `onFailedDecryptAttempt`.
 */
export interface KeyringCounters {
  /** Master-key decrypt calls made for messages (successful or not). */
  readonly decryptAttempts: number
  /** Calls that failed, or returned a data key the message's header does not commit to. */
  readonly failedDecryptAttempts: number
  /** Messages given up on because they reached `maxFailedDecryptAttempts`. */
  readonly attemptCapsReached: number
}

/** One failed data-key attempt, as passed to `onFailedDecryptAttempt`. */
export interface FailedDecryptAttempt {
  /** The encrypted data key that was tried (names its provider and KeyId). */
  readonly providerName: string
  readonly keyId: string
  /**
   * The KeywardError code of the failure (e.g. InvalidParameterValue.InvalidCiphertext, FailedOperation.NetworkError).
   */
  readonly code: string
}

/** The mutable counters behind {@link KeyringCounters}, and the hook. */
export class KeyringTally {
  decryptAttempts = 0
  failedDecryptAttempts = 0
  attemptCapsReached = 0

  constructor(readonly onFailed: ((f: FailedDecryptAttempt) => void) | undefined) {}

  failed(edk: EncryptedDataKey, e: unknown): void {
    this.failedDecryptAttempts++
    // A metrics hook must never turn a decryption into a crash.
    try {
      this.onFailed?.({
        providerName: edk.providerName,
        keyId: edk.keyId,
        code: isKeywardError(e) ? e.code : 'InternalError',
      })
    } catch {
      // ignored
    }
  }

  snapshot(): KeyringCounters {
    return {
      decryptAttempts: this.decryptAttempts,
      failedDecryptAttempts: this.failedDecryptAttempts,
      attemptCapsReached: this.attemptCapsReached,
    }
  }
}
