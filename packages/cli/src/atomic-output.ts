import { randomBytes } from 'node:crypto'
import { createWriteStream, rmSync, type WriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { KeywardError } from '@keyward/core'

/**
 * Writes `target` all or nothing: `write` fills a 0600 temp file in the target's directory (so the rename stays on
 * one filesystem), which is fsynced and renamed over `target` only when `write` succeeds. On any failure the temp
 * file is removed and `target` — absent or an older file — is left as it was.
 *
 * @example
 * ```ts
 * await writeAtomically('out.kwe', (sink) => pipeline(source, sink))
 * ```
 */
export async function writeAtomically(target: string, write: (sink: WriteStream) => Promise<void>): Promise<void> {
  const dir = dirname(resolve(target))
  await checkDirectory(dir)
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  // `wx`: never follow or reuse a file someone else put there.
  const sink = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true })
  // Ctrl-C or a kill mid-write is a failure too: remove the partial file, then end as the signal would have.
  const interrupted = (signal: NodeJS.Signals): void => {
    rmSync(temp, { force: true })
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    await write(sink)
    if (!sink.writableEnded) sink.end()
    await finished(sink)
    await rename(temp, target)
  } catch (e) {
    sink.destroy()
    await rm(temp, { force: true })
    throw e
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}

async function checkDirectory(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return
  } catch {
    // reported below
  }
  throw new KeywardError('InvalidParameterValue', `The output directory ${dir} does not exist.`)
}

/** Throws unless `path` is a readable regular file; returns its size. */
export async function inputFileSize(path: string, flag: string): Promise<number> {
  try {
    const st = await stat(path)
    if (st.isFile()) return st.size
  } catch {
    // reported below
  }
  throw new KeywardError('InvalidParameterValue', `${flag} ${path}: no such file.`)
}

/** Refuses writing the output over the input (the input would be gone before it is read). */
export function checkDistinct(input: string, output: string, flags: string): void {
  if (resolve(input) === resolve(output)) throw new KeywardError('InvalidParameterValue', `${flags} must name different files.`)
}
