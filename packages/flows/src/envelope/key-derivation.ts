import { timingSafeEqual } from 'node:crypto'
import { hkdfExpand, hkdfExtract } from './hkdf.js'
import { COMMITMENT_LENGTH, NONCE_LENGTH, type Suite } from './suites.js'

/** HKDF info labels: bind each derivation to this format, its version and its purpose. */
const KEY_LABEL = Buffer.from('KEYWARD-ENVELOPE-V1-KEY', 'ascii')
const COMMIT_LABEL = Buffer.from('KEYWARD-ENVELOPE-V1-COMMIT', 'ascii')
const PRK_LENGTH = 32

/** The per-message secrets derived from a data key. Zero them with {@link disposeDerived}. */
export interface DerivedKeys {
  /** The cipher key of this message. */
  readonly cipherKey: Buffer
  /** Stored in the header; a reader checks it before decrypting anything (key commitment). */
  readonly commitment: Buffer
  /** The first 12 bytes of the message id, XORed with the sequence number to make each frame's nonce. */
  readonly nonceBase: Buffer
}

function info(label: Buffer, suite: Suite, messageId?: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(label.length + 2 + (messageId?.length ?? 0))
  label.copy(b, 0)
  b.writeUInt16BE(suite.id, label.length)
  if (messageId) b.set(messageId, label.length + 2)
  return b
}

/**
 * The key material of a data key: PRK = HKDF-Extract(empty salt, data key) ‖ commitment =
 * HKDF-Expand(PRK, "KEYWARD-ENVELOPE-V1-COMMIT" ‖ suite id, 32). This, never the data key, is what the
 * data-key cache holds; the data key is zeroed here.
 */
export function dataKeyMaterial(suite: Suite, dataKey: Uint8Array): Buffer {
  let prk: Buffer | undefined
  try {
    prk = hkdfExtract(suite.hkdfHash, dataKey)
    const commitment = hkdfExpand(suite.hkdfHash, prk, info(COMMIT_LABEL, suite), COMMITMENT_LENGTH)
    return Buffer.concat([prk, commitment])
  } finally {
    dataKey.fill(0)
    prk?.fill(0)
  }
}

/**
 * True when `material` (from {@link dataKeyMaterial}) belongs to the data key a header's `commitment` names (constant
 * time).
 */
export function matchesCommitment(material: Uint8Array, commitment: Uint8Array): boolean {
  const mine = material.subarray(PRK_LENGTH, PRK_LENGTH + COMMITMENT_LENGTH)
  return commitment.length === mine.length && timingSafeEqual(mine, commitment)
}

/**
 * The keys of one message from its data key's material: cipher key = HKDF-Expand(PRK,
 * "KEYWARD-ENVELOPE-V1-KEY" ‖ suite id ‖ message id, K). Because the message id is random per message, a data
 * key reused from the cache still yields a fresh cipher key per message, so the nonces (message id prefix XOR
 * sequence number) never repeat under one key. The commitment commits to the data key itself (one per data key).
 */
export function deriveKeys(suite: Suite, material: Uint8Array, messageId: Uint8Array): DerivedKeys {
  const prk = material.subarray(0, PRK_LENGTH)
  return {
    cipherKey: hkdfExpand(suite.hkdfHash, prk, info(KEY_LABEL, suite, messageId), suite.cipherKeyLength),
    commitment: Buffer.from(material.subarray(PRK_LENGTH, PRK_LENGTH + COMMITMENT_LENGTH)),
    nonceBase: Buffer.from(messageId.subarray(0, NONCE_LENGTH)),
  }
}

/** Zeroes the derived secret (the cipher key). */
export function disposeDerived(d: DerivedKeys): void {
  d.cipherKey.fill(0)
}

/** The nonce of sequence number `seq` (0 = header tag, 1.. = frames): nonce base XOR seq in the last 4 bytes. */
export function frameNonce(nonceBase: Buffer, seq: number): Buffer {
  const iv = Buffer.from(nonceBase)
  iv.writeUInt32BE((iv.readUInt32BE(8) ^ seq) >>> 0, 8)
  return iv
}
