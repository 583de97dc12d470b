import { hkdfSync } from 'node:crypto'
import { COMMITMENT_LENGTH, NONCE_LENGTH, type Suite } from './suites.js'

/** HKDF info prefix: binds the derivation to this format and version. */
const INFO_LABEL = Buffer.from('KEYWARD-ENVELOPE-V1', 'ascii')

/** The per-message secrets derived from a data key. Zero them with {@link disposeDerived}. */
export interface DerivedKeys {
  /** The cipher key of this message. */
  readonly cipherKey: Buffer
  /** Stored in the header; a reader checks it before decrypting anything (key commitment). */
  readonly commitment: Buffer
  /** XORed with the sequence number to make each frame's nonce. */
  readonly nonceBase: Buffer
}

/**
 * HKDF(suite hash, ikm = data key, salt = message id, info = label ‖ suite id) → cipher key ‖ commitment ‖
 * nonce base. Because the message id is random per message, a data key reused from the cache still yields a
 * fresh cipher key and nonces for each message.
 */
export function deriveKeys(suite: Suite, dataKey: Uint8Array, messageId: Uint8Array): DerivedKeys {
  const info = Buffer.allocUnsafe(INFO_LABEL.length + 2)
  INFO_LABEL.copy(info, 0)
  info.writeUInt16BE(suite.id, INFO_LABEL.length)
  const total = suite.cipherKeyLength + COMMITMENT_LENGTH + NONCE_LENGTH
  const okm = Buffer.from(hkdfSync(suite.hkdfHash, dataKey, messageId, info, total))
  return {
    cipherKey: okm.subarray(0, suite.cipherKeyLength),
    commitment: okm.subarray(suite.cipherKeyLength, suite.cipherKeyLength + COMMITMENT_LENGTH),
    nonceBase: okm.subarray(suite.cipherKeyLength + COMMITMENT_LENGTH),
  }
}

/** Zeroes the derived secrets (they share one buffer). */
export function disposeDerived(d: DerivedKeys): void {
  // The three views share the ArrayBuffer hkdfSync returned, which nothing else references.
  new Uint8Array(d.cipherKey.buffer).fill(0)
}

/** The nonce of sequence number `seq` (0 = header tag, 1.. = frames): nonce base XOR seq in the last 4 bytes. */
export function frameNonce(nonceBase: Buffer, seq: number): Buffer {
  const iv = Buffer.from(nonceBase)
  iv.writeUInt32BE((iv.readUInt32BE(8) ^ seq) >>> 0, 8)
  return iv
}
