import { createWriteStream, realpathSync, statSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { KeywardError } from '@keyward/core'
import { AtomicFile } from './atomic-file.js'
import { ownFdOf } from './fd-path.js'

/** Where a command writes its output, and how the output becomes final. */
export interface OutputTarget {
  readonly sink: Writable
  /**
   * `file`: a regular file written atomically; `stream`: stdout or another open descriptor; `device`: a FIFO, a
   * device... written in place.
   */
  readonly kind: 'file' | 'stream' | 'device'
  /** Called once everything is written and the sink has finished. */
  commit(): Promise<void>
  /** Called on failure: a regular file is left as it was; a stream or device keeps what it already received. */
  abort(): void
}

/** A Writable over an open standard stream that waits for it to drain and never ends it. */
function overStream(stream: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (stream.write(chunk)) callback()
      else stream.once('drain', () => callback())
    },
  })
}

function fdSink(fd: number): Writable {
  if (fd === 1) return overStream(process.stdout)
  if (fd === 2) return overStream(process.stderr)
  return createWriteStream('', { fd, autoClose: false })
}

function inPlace(sink: Writable, kind: 'stream' | 'device'): OutputTarget {
  return { sink, kind, commit: async () => undefined, abort: () => void sink.destroy() }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new KeywardError('InvalidParameterValue', `${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`)
  }
}

/**
 * Opens the output `path` of a command (`flag` names it in errors):
 * - `-`, `/dev/stdout`, `/dev/fd/N` and links to them: written through that descriptor, never renamed over;
 * - a FIFO, a character or block device, a socket (or a link to one): written in place;
 * - a regular file: written atomically (see {@link AtomicFile}); an existing one is replaced only with `force`,
 *   through its symlink if it is one (the link stays, its target is replaced).
 *
 * @example
 * ```ts
 * const out = await openOutput('report.pdf', { force: false, flag: '--out' })
 * try { await pipeline(source, out.sink); await out.commit() } catch (e) { out.abort(); throw e }
 * ```
 */
export async function openOutput(path: string, opts: { force: boolean; flag: string }): Promise<OutputTarget> {
  if (path === '-') return inPlace(overStream(process.stdout), 'stream')
  const fd = ownFdOf(path)
  if (fd !== undefined) return inPlace(fdSink(fd), 'stream')
  const st = statOrUndefined(path)
  if (st?.isDirectory()) throw new KeywardError('InvalidParameterValue', `${opts.flag} ${path} is a directory.`)
  if (st && !st.isFile()) return inPlace(createWriteStream(path, { flags: 'w' }), 'device')
  if (st && !opts.force)
    throw new KeywardError('InvalidParameterValue', `${opts.flag} ${path} exists; pass --force to replace it.`)
  const dest = st ? realpathSync(path) : resolve(path)
  const dir = dirname(dest)
  if (!statOrUndefined(dir)?.isDirectory())
    throw new KeywardError('InvalidParameterValue', `The output directory ${dir} does not exist.`)
  const file = AtomicFile.open(dest, st !== undefined)
  return { sink: file.sink, kind: 'file', commit: () => file.commit(), abort: () => file.abort() }
}
