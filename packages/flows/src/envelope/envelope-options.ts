import type { CallOptions, EncryptionContext } from '@keyward/core'
import type { MessageInfo } from './decrypt-message.js'
import type { ProgressCallback } from './encrypt-message.js'
import type { SuiteName } from './suites.js'

/** Options of one encryption. */
export interface EncryptOptions extends CallOptions {
  encryptionContext?: EncryptionContext
  /** With the cache on: data keys are shared only within one partition (e.g. a user id). */
  partition?: string
  /** Streams: the plaintext size, when known (enforced); without it a stream never uses the cache. */
  plaintextLength?: number
  onProgress?: ProgressCallback
}

/** Options of one decryption. */
export interface DecryptOptions extends CallOptions {
  /** When given, the message's encryption context must be exactly this. */
  encryptionContext?: EncryptionContext
  /**
   * Replaces the client's trust list for this call: only messages whose header is signed by one of these public
   * keys decrypt (unless `requireSignature: false`, which then still refuses other signers but reads unsigned ones).
   */
  trustedSigners?: readonly Uint8Array[]
  /** Overrides the client's `requireSignature` for this call. */
  requireSignature?: boolean
  /** Narrows the client's `allowedSuites` for this call (it can never widen them). */
  allowedSuites?: readonly SuiteName[]
  /** Called once the header authenticated, before any plaintext. */
  onHeader?: (info: MessageInfo) => void
  onProgress?: ProgressCallback
}

/** The result of a one-shot decryption. */
export interface DecryptResult {
  readonly plaintext: Buffer
  readonly info: MessageInfo
}
