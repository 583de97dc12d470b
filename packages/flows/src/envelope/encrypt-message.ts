import { randomFillSync } from 'node:crypto'
import { KeywardError, asBuffer, type EncryptionContext } from '@keyward/core'
import { checkNotAborted } from './abort.js'
import type { ByteSource } from './chunk-reader.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import { sealFrame } from './frame-format.js'
import { PieceCoalescer } from './piece-coalescer.js'
import { headerTag } from './header-auth.js'
import { MESSAGE_ID_LENGTH, serializeAuthenticated, serializeMiddle } from './header-format.js'
import type { HeaderSigner } from './header-signer.js'
import type { DerivedKeys } from './key-derivation.js'
import type { Suite } from './suites.js'

/** Called with the plaintext bytes processed so far (after each frame), e.g. to drive a progress bar. */
export type ProgressCallback = (bytesDone: number) => void

/** A message being written: its header bytes and the keys its frames use. */
export interface MessageWriter {
  readonly header: Buffer
  readonly suite: Suite
  readonly keys: DerivedKeys
  readonly frameLength: number
}

/** Everything a header needs besides the data key. */
export interface HeaderPlan {
  readonly suite: Suite
  readonly encryptionContext: EncryptionContext
  readonly contextBytes: Buffer
  readonly frameLength: number
  readonly signer: HeaderSigner | undefined
}

// Message ids are drawn from a pool refilled 4 KiB at a time: one CSPRNG call per 128 messages.
const pool = Buffer.alloc(MESSAGE_ID_LENGTH * 128)
let poolOffset = pool.length

/** A fresh random message id (HKDF info input and nonce prefix). */
export function newMessageId(): Buffer {
  if (poolOffset === pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  // Message ids are public (they are in the header), so the pool needs no zeroing.
  const id = Buffer.from(pool.subarray(poolOffset, poolOffset + MESSAGE_ID_LENGTH))
  poolOffset += MESSAGE_ID_LENGTH
  return id
}

// The middle of the header per EDK list (one per cached data key), with what else went into it.
interface Middle {
  readonly frameLength: number
  readonly signer: HeaderSigner | undefined
  readonly contextBytes: Buffer
  readonly bytes: Buffer
}
const middles = new WeakMap<readonly EncryptedDataKey[], Middle>()

function middleFor(plan: HeaderPlan, edks: readonly EncryptedDataKey[]): Buffer {
  const signer = plan.signer
  const hit = middles.get(edks)
  if (
    hit &&
    hit.frameLength === plan.frameLength &&
    hit.signer === signer &&
    hit.contextBytes.equals(plan.contextBytes)
  )
    return hit.bytes
  for (const e of edks) {
    if (
      e.blob.length < 1 ||
      e.blob.length > 0xffff ||
      Buffer.byteLength(e.providerName) > 255 ||
      Buffer.byteLength(e.keyId) > 255
    ) {
      throw new KeywardError(
        'InternalError',
        `The encrypted data key from ${e.providerName} does not fit the message format.`,
      )
    }
  }
  const bytes = serializeMiddle({
    suite: plan.suite,
    encryptionContext: plan.encryptionContext,
    contextBytes: plan.contextBytes,
    encryptedDataKeys: edks,
    frameLength: plan.frameLength,
    signatureAlgorithm: signer ? signer.algorithm : null,
    signerPublicKey: signer ? Buffer.from(signer.publicKey) : null,
  })
  middles.set(edks, { frameLength: plan.frameLength, signer, contextBytes: plan.contextBytes, bytes })
  return bytes
}

/** Serializes and authenticates the header; signs it when the plan has a signer (only then asynchronously). */
export function writeHeader(
  plan: HeaderPlan,
  messageId: Buffer,
  keys: DerivedKeys,
  edks: readonly EncryptedDataKey[],
): MessageWriter | Promise<MessageWriter> {
  const authenticated = serializeAuthenticated(
    {
      suite: plan.suite,
      messageId,
      encryptionContext: plan.encryptionContext,
      encryptedDataKeys: edks,
      frameLength: plan.frameLength,
      signatureAlgorithm: null,
      signerPublicKey: null,
      commitment: keys.commitment,
    },
    middleFor(plan, edks),
  )
  const tag = headerTag(plan.suite, keys, authenticated)
  const writer = (header: Buffer): MessageWriter => ({ header, suite: plan.suite, keys, frameLength: plan.frameLength })
  const signer = plan.signer
  if (!signer) return writer(Buffer.concat([authenticated, tag]))
  const signed = Buffer.concat([authenticated, tag])
  return signer.sign(signed).then((sig) => {
    const len = Buffer.allocUnsafe(2)
    len.writeUInt16BE(sig.length, 0)
    return writer(Buffer.concat([signed, len, sig]))
  })
}

/** Encrypts a whole plaintext held in memory: header and every frame, as pieces. */
export function sealAll(w: MessageWriter, plaintext: Uint8Array): Buffer[] {
  const out: Buffer[] = [w.header]
  const pt = asBuffer(plaintext)
  let seq = 1
  let off = 0
  // A frame is final when nothing follows it; an exact multiple ends with a full final frame.
  while (pt.length - off > w.frameLength) {
    out.push(...sealFrame(w.suite, w.keys, seq++, false, [pt.subarray(off, off + w.frameLength)], w.frameLength))
    off += w.frameLength
  }
  out.push(...sealFrame(w.suite, w.keys, seq, true, [pt.subarray(off)], pt.length - off))
  return out
}

/**
 * Encrypts a chunked source frame by frame. Input chunks are referenced, not copied, until their frame is
 * sealed, so a source must not reuse a chunk's memory after yielding it (Node streams never do).
 */
export async function* sealStream(
  start: () => Promise<MessageWriter>,
  source: ByteSource,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
  expectedLength?: number,
): AsyncGenerator<Buffer> {
  // A length hint is what the data-key cache counted against its byte limit: hold the stream to it.
  const over = (n: number): void => {
    if (expectedLength !== undefined && n > expectedLength)
      throw new KeywardError('InvalidParameterValue', `The source is longer than plaintextLength (${expectedLength}).`)
  }
  const w = await start()
  // Short chunks are copied into staging buffers (zeroed once their frame is sealed), so a frame is held in a
  // bounded number of pieces whatever the chunking; longer ones are referenced.
  const pieces = new PieceCoalescer(w.frameLength, false)
  let parts: Buffer[] = []
  const hold = (p: Buffer): void => void parts.push(p)
  try {
    yield w.header
    let have = 0
    let seq = 1
    let done = 0
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array))
        throw new KeywardError('InvalidParameter', 'The source must yield bytes (Uint8Array/Buffer).')
      let c = asBuffer(chunk)
      while (c.length > 0) {
        if (have === w.frameLength) {
          checkNotAborted(signal)
          pieces.flush(hold)
          for (const p of sealFrame(w.suite, w.keys, seq++, false, parts, have)) yield p
          pieces.wipe()
          done += have
          onProgress?.(done)
          parts = []
          have = 0
        }
        const n = Math.min(w.frameLength - have, c.length)
        have += n
        pieces.add(c.subarray(0, n), hold, have === w.frameLength)
        c = c.subarray(n)
        over(done + have)
      }
    }
    if (expectedLength !== undefined && done + have !== expectedLength) {
      throw new KeywardError(
        'InvalidParameterValue',
        `The source is shorter than plaintextLength (${done + have} < ${expectedLength}).`,
      )
    }
    checkNotAborted(signal)
    pieces.flush(hold)
    for (const p of sealFrame(w.suite, w.keys, seq, true, parts, have)) yield p
    onProgress?.(done + have)
  } finally {
    pieces.wipe()
    w.keys.cipherKey.fill(0)
  }
}
