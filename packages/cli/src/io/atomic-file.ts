import { spawnSync } from 'node:child_process'
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  type WriteStream,
} from 'node:fs'
import { dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { KeywardError } from '@keyward/core'
import { onInterrupt } from './interrupts.js'
import { sweepTempFiles, tempNameFor } from './temp-files.js'

/** Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`); Node does not export it, open(2) takes it as a number. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY

/** coreutils' ln by absolute path: plaintext is about to get a name, so not whatever `ln` PATH finds first. */
const LN = ['/usr/bin/ln', '/bin/ln'].find((p) => existsSync(p))

/** Gives the unnamed file of `fd` the name `dest` (linkat through /proc, done by ln(1): Node has no linkat). */
function linkFd(fd: number, dest: string): 'ok' | 'exists' | 'failed' {
  if (!LN) return 'failed'
  const r = spawnSync(LN, ['-L', '--', '/proc/self/fd/3', dest], { stdio: ['ignore', 'ignore', 'pipe', fd] })
  if (r.status === 0) return 'ok'
  try {
    lstatSync(dest)
    return 'exists'
  } catch {
    return 'failed'
  }
}

function existsError(dest: string): KeywardError {
  return new KeywardError('InvalidParameterValue', `${dest} exists; pass --force to replace it.`)
}

/**
 * A regular output file written all or nothing. On Linux the data goes to an unnamed O_TMPFILE in the target's
 * directory, which gets its name only when complete — so a `kill -9` mid-write leaves nothing behind. Elsewhere (or
 * where the filesystem refuses O_TMPFILE) a 0600 temp file named after this process is used, removed on failure or
 * Ctrl-C, and swept by the next keyward writing to that directory if the process was killed.
 */
export class AtomicFile {
  readonly sink: WriteStream
  #done = false

  private constructor(
    private readonly fd: number,
    private readonly dest: string,
    private readonly replace: boolean,
    private readonly temp: string | undefined,
    private readonly stopCleanup: () => void,
  ) {
    this.sink = createWriteStream('', { fd, autoClose: false })
  }

  /** Opens the temp file for `dest` (an absolute path whose directory exists). `replace`: overwrite `dest`. */
  static open(dest: string, replace: boolean): AtomicFile {
    const dir = dirname(dest)
    sweepTempFiles(dir)
    if (process.platform === 'linux' && process.env['KEYWARD_OUTPUT_TEMP'] !== 'named') {
      try {
        const fd = openSync(dir, O_TMPFILE | constants.O_RDWR, 0o600)
        // Nothing to remove on Ctrl-C (the unnamed file dies with the process), but the exit status is still 130.
        return new AtomicFile(
          fd,
          dest,
          replace,
          undefined,
          onInterrupt(() => undefined),
        )
      } catch {
        // The filesystem has no O_TMPFILE (e.g. some network filesystems): a named temp file instead.
      }
    }
    const temp = tempNameFor(dir, dest)
    const fd = openSync(temp, 'wx', 0o600)
    const stop = onInterrupt(() => rmSync(temp, { force: true }))
    return new AtomicFile(fd, dest, replace, temp, stop)
  }

  /** Makes the complete, fsynced file visible under its name (refusing to replace one unless `replace`). */
  async commit(): Promise<void> {
    fsyncSync(this.fd)
    try {
      if (this.temp) this.#publish(this.temp)
      else await this.#publishUnnamed()
    } finally {
      this.#close()
    }
  }

  #publish(named: string): void {
    if (this.replace) {
      renameSync(named, this.dest)
      return
    }
    try {
      linkSync(named, this.dest)
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? existsError(this.dest) : e
    } finally {
      rmSync(named, { force: true })
    }
  }

  async #publishUnnamed(): Promise<void> {
    if (!this.replace) {
      const r = linkFd(this.fd, this.dest)
      if (r === 'ok') return
      if (r === 'exists') throw existsError(this.dest)
    } else {
      const staged = tempNameFor(dirname(this.dest), this.dest)
      if (linkFd(this.fd, staged) === 'ok') {
        this.#publish(staged)
        return
      }
    }
    // ln(1) or /proc unavailable: copy the finished file to a named temp and publish that.
    const staged = tempNameFor(dirname(this.dest), this.dest)
    const stop = onInterrupt(() => rmSync(staged, { force: true }))
    try {
      const out = createWriteStream(staged, { flags: 'wx', mode: 0o600, flush: true })
      await pipeline(createReadStream('', { fd: this.fd, start: 0, autoClose: false }), out)
      this.#publish(staged)
    } finally {
      rmSync(staged, { force: true })
      stop()
    }
  }

  /** Discards everything written: the unnamed file vanishes with its descriptor, a named one is removed. */
  abort(): void {
    this.sink.destroy()
    this.#close()
    if (this.temp) {
      try {
        unlinkSync(this.temp)
      } catch {
        // already gone
      }
    }
  }

  #close(): void {
    if (this.#done) return
    this.#done = true
    this.stopCleanup()
    try {
      closeSync(this.fd)
    } catch {
      // closed already
    }
  }
}
