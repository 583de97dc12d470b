import { KeywardError, decryptionFailed } from '@keyward/core'
import type { ChunkReader } from './chunk-reader.js'
import { PieceCoalescer } from './piece-coalescer.js'
import { frameNonce, type DerivedKeys } from './key-derivation.js'
import { TAG_LENGTH, type Suite } from './suites.js'

/**
 * Frames, as docs/message-format.md specifies. A regular frame is `seq(4) 0x00 ciphertext(frameLength) tag(16)`;
 * the one final frame is `seq(4) 0x01 length(4) ciphertext(length) tag(16)`. The AAD of every frame is
 * `seq ‖ flag ‖ length`, and its nonce is derived from the message's nonce base and `seq`, so a frame moved,
 * repeated, dropped or relabelled as final fails its tag.
 */

/** Flag byte of a regular frame. */
export const FLAG_REGULAR = 0x00
/** Flag byte of the final frame. */
export const FLAG_FINAL = 0x01
/** Sequence numbers start at 1 (0 is the header tag's nonce) and fit in 4 bytes. */
export const MAX_SEQUENCE = 0xffffffff

function frameAad(seq: number, flag: number, length: number): Buffer {
  const aad = Buffer.allocUnsafe(9)
  aad.writeUInt32BE(seq, 0)
  aad[4] = flag
  aad.writeUInt32BE(length, 5)
  return aad
}

/**
 * Encrypts one frame whose plaintext is the concatenation of `parts` (`length` bytes); returns the frame's
 * bytes as pieces, so that the plaintext is never copied into a staging buffer.
 */
export function sealFrame(
  suite: Suite,
  keys: DerivedKeys,
  seq: number,
  final: boolean,
  parts: readonly Uint8Array[],
  length: number,
): Buffer[] {
  if (seq > MAX_SEQUENCE)
    throw new KeywardError('InvalidParameterValue', 'The message has too many frames; use a larger frame length.')
  const flag = final ? FLAG_FINAL : FLAG_REGULAR
  const aad = frameAad(seq, flag, length)
  const cipher = suite.createCipher(keys.cipherKey, frameNonce(keys.nonceBase, seq))
  cipher.setAAD(aad)
  const out: Buffer[] = [final ? aad : aad.subarray(0, 5)]
  for (const p of parts) out.push(cipher.update(p))
  const rest = cipher.final()
  if (rest.length) out.push(rest)
  out.push(cipher.getAuthTag())
  return out
}

/** A decrypted frame: its plaintext pieces (released only after the tag verified) and whether it was final. */
export interface OpenedFrame {
  readonly final: boolean
  readonly plaintext: Buffer[]
  readonly length: number
}

/**
 * Reads and decrypts frame `seq`. Structural faults are InvalidMessage; a wrong tag is the fixed decryption
 * failure. Nothing of the frame's plaintext is returned before its tag checks.
 */
export async function openFrame(
  r: ChunkReader,
  suite: Suite,
  keys: DerivedKeys,
  seq: number,
  frameLength: number,
): Promise<OpenedFrame> {
  const head = await r.exact(5)
  const got = head.readUInt32BE(0)
  const flag = head[4]
  if (got !== seq)
    throw new KeywardError('FailedOperation.InvalidMessage', `Frame out of order: expected ${seq}, found ${got}.`)
  if (flag !== FLAG_REGULAR && flag !== FLAG_FINAL)
    throw new KeywardError('FailedOperation.InvalidMessage', 'Invalid frame flag.')
  const final = flag === FLAG_FINAL
  let length = frameLength
  if (final) {
    length = (await r.exact(4)).readUInt32BE(0)
    // Canonical form: a final frame is never longer than a frame, and is empty only in an empty message.
    if (length > frameLength || (length === 0 && seq !== 1))
      throw new KeywardError('FailedOperation.InvalidMessage', 'Invalid final frame length.')
  }
  const decipher = suite.createDecipher(keys.cipherKey, frameNonce(keys.nonceBase, seq))
  decipher.setAAD(frameAad(seq, flag, length))
  const plaintext: Buffer[] = []
  // Short chunks are staged, so the frame is held in a bounded number of pieces whatever the chunking.
  const pieces = new PieceCoalescer(length, true)
  const decrypt = (c: Buffer): void => void plaintext.push(decipher.update(c))
  try {
    let left = length
    while (left > 0) {
      const c = r.buffered(left) ?? (await r.upTo(left))
      if (!c) throw new KeywardError('FailedOperation.InvalidMessage', 'The message is truncated.')
      left -= c.length
      pieces.add(c, decrypt, left === 0)
    }
    decipher.setAuthTag(await r.exact(TAG_LENGTH))
    try {
      const rest = decipher.final()
      if (rest.length) plaintext.push(rest)
    } catch (e) {
      throw decryptionFailed(e)
    }
  } catch (e) {
    // Unauthenticated plaintext never leaves, and is not left in memory either.
    for (const p of plaintext) p.fill(0)
    throw e
  }
  return { final, plaintext, length }
}
