import { createReadStream } from 'node:fs'
import type { Hash } from 'node:crypto'
import { KeywardError, needs } from '@keyward/core'

/** A file to sign or verify, read as a stream (constant memory, any size). */
export interface FileMessage {
  readonly path: string
}

/**
 * A message to sign or verify: bytes, a file, or any async iterable of byte chunks (a Node Readable, a web
 * ReadableStream, a generator). Streams are read once.
 */
export type MessageSource = Uint8Array | FileMessage | AsyncIterable<Uint8Array>

/** A message read far enough to choose: RAW bytes (≤ limit) or its digest with its length. */
export type PreparedMessage =
  | { readonly kind: 'RAW'; readonly bytes: Buffer }
  | { readonly kind: 'DIGEST'; readonly digest: Buffer; readonly length: number }

/** Throws unless `source` is a {@link MessageSource}. */
export function checkMessageSource(source: unknown): asserts source is MessageSource {
  const ok =
    source instanceof Uint8Array ||
    (source !== null &&
      typeof source === 'object' &&
      (typeof (source as Partial<FileMessage>).path === 'string' || Symbol.asyncIterator in source))
  needs(ok, 'InvalidParameter', 'Message must be bytes, { path } of a file, or an async iterable of byte chunks.')
}

/** The chunks of a message, as Buffers. */
export async function* messageChunks(source: MessageSource): AsyncGenerator<Buffer> {
  if (source instanceof Uint8Array) {
    yield Buffer.from(source.buffer, source.byteOffset, source.byteLength)
    return
  }
  const iterable: AsyncIterable<unknown> =
    'path' in source && typeof source.path === 'string'
      ? createReadStream(source.path)
      : (source as AsyncIterable<unknown>)
  try {
    for await (const chunk of iterable) {
      if (typeof chunk === 'string')
        throw new KeywardError('InvalidParameter', 'Message streams must yield bytes, not strings.')
      if (!(chunk instanceof Uint8Array))
        throw new KeywardError('InvalidParameter', 'Message streams must yield Uint8Array chunks.')
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    }
  } catch (cause) {
    if (cause instanceof KeywardError) throw cause
    throw new KeywardError('InvalidParameterValue', 'The message could not be read.', { cause })
  }
}

/**
 * Reads `source` until it is known to be longer than `rawLimit`. Up to `rawLimit` bytes come back RAW; anything
 * longer is streamed through `newHash()` (which may already hold a prefix, e.g. SM2's Z) and comes back as a digest.
 * An empty message is InvalidParameterValue (Tencent signs 1-4096 bytes RAW).
 */
export async function prepareMessage(
  source: MessageSource,
  rawLimit: number,
  newHash: () => Hash,
): Promise<PreparedMessage> {
  const held: Buffer[] = []
  let length = 0
  let hash: Hash | undefined
  for await (const chunk of messageChunks(source)) {
    length += chunk.length
    if (hash) {
      hash.update(chunk)
    } else if (length > rawLimit) {
      hash = newHash()
      for (const h of held) hash.update(h)
      hash.update(chunk)
      held.length = 0
    } else {
      // Streams may reuse their chunk buffers: keep a copy.
      held.push(Buffer.from(chunk))
    }
  }
  needs(length > 0, 'InvalidParameterValue', 'Message must not be empty.')
  if (hash) return { kind: 'DIGEST', digest: hash.digest(), length }
  return { kind: 'RAW', bytes: Buffer.concat(held, length) }
}

/** Streams the whole of `source` through `hash` (for local verification). */
export async function hashMessage(source: MessageSource, hash: { update(b: Buffer): unknown }): Promise<number> {
  let length = 0
  for await (const chunk of messageChunks(source)) {
    length += chunk.length
    hash.update(chunk)
  }
  needs(length > 0, 'InvalidParameterValue', 'Message must not be empty.')
  return length
}
