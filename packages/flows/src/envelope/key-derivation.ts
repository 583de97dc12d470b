import { hkdfExpand, hkdfExtract } from './hkdf.js'
import { COMMITMENT_LENGTH, NONCE_LENGTH, type Suite } from './suites.js'

/** HKDF info prefix: binds the derivation to this format and version. */
const INFO_LABEL = Buffer.from('KEYWARD-ENVELOPE-V1', 'ascii')

/** The per-message secrets derived from a data key. Zero them with {@link disposeDerived}. */
export interface DerivedKeys {
  /** The cipher key of this message. */
  readonly cipherKey: Buffer
  /** Stored in the header; a reader checks it before decrypting anything (key commitment). */
  readonly commitment: Buffer
  /** The first 12 bytes of the message id, XORed with the sequence number to make each frame's nonce. */
  readonly nonceBase: Buffer
}

/** HKDF-Extract of a data key (empty salt): what the data-key cache holds. Zeroes the data key. */
export function dataKeyPrk(suite: Suite, dataKey: Uint8Array): Buffer {
  try {
    return hkdfExtract(suite.hkdfHash, dataKey)
  } finally {
    dataKey.fill(0)
  }
}

/**
 * HKDF-Expand(PRK of the data key, info = label ‖ suite id ‖ message id) → cipher key ‖ commitment. This is
 * HKDF(ikm = data key, salt = empty, info) of RFC 5869. Because the message id is random per message, a data
 * key reused from the cache still yields a fresh cipher key per message, so the nonces (message id prefix XOR
 * sequence number) never repeat under one key.
 */
export function deriveKeys(suite: Suite, prk: Uint8Array, messageId: Uint8Array): DerivedKeys {
  const info = Buffer.allocUnsafe(INFO_LABEL.length + 2 + messageId.length)
  INFO_LABEL.copy(info, 0)
  info.writeUInt16BE(suite.id, INFO_LABEL.length)
  info.set(messageId, INFO_LABEL.length + 2)
  const okm = hkdfExpand(suite.hkdfHash, prk, info, suite.cipherKeyLength + COMMITMENT_LENGTH)
  return {
    cipherKey: okm.subarray(0, suite.cipherKeyLength),
    commitment: okm.subarray(suite.cipherKeyLength),
    nonceBase: Buffer.from(messageId.subarray(0, NONCE_LENGTH)),
  }
}

/** Zeroes the derived secrets (key and commitment share one buffer). */
export function disposeDerived(d: DerivedKeys): void {
  Buffer.from(d.cipherKey.buffer, d.cipherKey.byteOffset, d.cipherKey.length + d.commitment.length).fill(0)
}

/** The nonce of sequence number `seq` (0 = header tag, 1.. = frames): nonce base XOR seq in the last 4 bytes. */
export function frameNonce(nonceBase: Buffer, seq: number): Buffer {
  const iv = Buffer.from(nonceBase)
  iv.writeUInt32BE((iv.readUInt32BE(8) ^ seq) >>> 0, 8)
  return iv
}
