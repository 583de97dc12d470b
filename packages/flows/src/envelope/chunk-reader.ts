import { KeywardError } from '@keyward/core'

/** Where bytes come from: any sync or async iterable of byte chunks (a Node Readable is one). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>

function truncated(): KeywardError {
  return new KeywardError('FailedOperation.InvalidMessage', 'The message is truncated.')
}

/**
 * Reads a chunked byte source in exact or bounded pieces without copying when a piece lies inside one chunk,
 * so that framed decryption holds at most one frame.
 */
export class ChunkReader {
  readonly #it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>
  #cur: Buffer = Buffer.alloc(0)
  #off = 0
  #done = false
  /** Bytes handed out so far. */
  consumed = 0

  constructor(source: ByteSource) {
    this.#it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  }

  async #fill(): Promise<boolean> {
    while (this.#off >= this.#cur.length) {
      if (this.#done) return false
      const r = await this.#it.next()
      if (r.done) {
        this.#done = true
        return false
      }
      const v = r.value as unknown
      if (!(v instanceof Uint8Array))
        throw new KeywardError('InvalidParameter', 'The source must yield bytes (Uint8Array/Buffer).')
      this.#cur = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      this.#off = 0
    }
    return true
  }

  /** Up to `max` bytes already buffered (no waiting), or null when the current chunk is used up. */
  buffered(max: number): Buffer | null {
    if (this.#off >= this.#cur.length) return null
    const n = Math.min(max, this.#cur.length - this.#off)
    const out = this.#cur.subarray(this.#off, this.#off + n)
    this.#off += n
    this.consumed += n
    return out
  }

  /** Up to `max` bytes (at least 1), or null at the end of the source. */
  async upTo(max: number): Promise<Buffer | null> {
    if (!(await this.#fill())) return null
    const n = Math.min(max, this.#cur.length - this.#off)
    const out = this.#cur.subarray(this.#off, this.#off + n)
    this.#off += n
    this.consumed += n
    return out
  }

  /**
   * Exactly `n` bytes; a source that ends first is a truncated message. Synchronous when the bytes are already
   * buffered (a one-shot message is one chunk), so parsing a header costs no promise per field.
   */
  exact(n: number): Buffer | Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0)
    if (this.#cur.length - this.#off >= n) return this.buffered(n) as Buffer
    return this.#exactSlow(n)
  }

  async #exactSlow(n: number): Promise<Buffer> {
    const first = await this.upTo(n)
    if (!first) throw truncated()
    if (first.length === n) return first
    // Copied as it arrives rather than collected as pieces: a field of 64 KiB sent one byte at a time would
    // otherwise cost a Buffer object per byte.
    const out = Buffer.allocUnsafe(n)
    let got = first.copy(out, 0)
    while (got < n) {
      const p = await this.upTo(n - got)
      if (!p) throw truncated()
      got += p.copy(out, got)
    }
    return out
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill())
  }

  /** Stops the source early (e.g. after an error), letting it release files and sockets. */
  async close(): Promise<void> {
    this.#done = true
    await this.#it.return?.()
  }
}
