/**
 * Bounds what a frame costs in memory whatever the source's chunking. A source may deliver a frame in chunks of
 * one byte (a hostile sender, a slow socket): holding one Buffer per chunk — or one cipher output per chunk —
 * costs hundreds of bytes of overhead per byte of frame (issue 16: +433 MiB for a 1 MiB frame). Chunks of at least
 * {@link MIN_PIECE} bytes pass through untouched (no copy on the fast path); shorter ones are copied into
 * staging buffers of {@link STAGE_SIZE} bytes, so a frame of L bytes is held in at most about 2·L/MIN_PIECE + 2
 * pieces.
 */

/** Chunks at least this long are passed on as they are. */
export const MIN_PIECE = 16 * 1024
/** Bytes of one staging buffer (at most the frame length). */
export const STAGE_SIZE = 64 * 1024

/**
 * Collects the chunks of one frame into pieces. With `reuse`, one staging buffer serves the whole frame, so each
 * emitted piece must be consumed before `add` or `flush` is called again (decryption feeds them straight to the
 * decipher). Without it, every staging buffer is kept until {@link wipe} (encryption holds a frame's pieces until
 * the frame is sealed, and zeroes the staged plaintext then).
 */
export class PieceCoalescer {
  readonly #stageSize: number
  readonly #reuse: boolean
  readonly #stages: Buffer[] = []
  #stage: Buffer | undefined
  #staged = 0

  constructor(frameLength: number, reuse: boolean) {
    this.#stageSize = Math.min(STAGE_SIZE, frameLength)
    this.#reuse = reuse
  }

  /**
   * Adds a chunk of the frame; `emit` receives each piece that is ready. `last` says the chunk ends the frame:
   * a frame that arrives whole in one chunk is then never copied, however short it is.
   */
  add(c: Buffer, emit: (piece: Buffer) => void, last = false): void {
    if (c.length >= MIN_PIECE || (last && this.#staged === 0)) {
      this.flush(emit)
      emit(c)
      return
    }
    for (let off = 0; off < c.length; ) {
      if (!this.#stage) {
        this.#stage = Buffer.allocUnsafe(this.#stageSize)
        if (!this.#reuse) this.#stages.push(this.#stage)
      }
      const n = Math.min(this.#stage.length - this.#staged, c.length - off)
      c.copy(this.#stage, this.#staged, off, off + n)
      this.#staged += n
      off += n
      if (this.#staged === this.#stage.length) this.flush(emit)
    }
    if (last) this.flush(emit)
  }

  /** Emits what is staged, if anything. */
  flush(emit: (piece: Buffer) => void): void {
    if (this.#staged === 0 || !this.#stage) return
    const piece = this.#stage.subarray(0, this.#staged)
    this.#staged = 0
    if (!this.#reuse) this.#stage = undefined
    emit(piece)
  }

  /** Zeroes every staging buffer handed out (they may hold plaintext) and starts afresh. */
  wipe(): void {
    for (const s of this.#stages) s.fill(0)
    this.#stages.length = 0
    this.#stage?.fill(0)
    this.#stage = undefined
    this.#staged = 0
  }
}
