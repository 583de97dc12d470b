import { stat } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { KeywardError } from '@keyward/core'
import { openOutput } from './io/output-target.js'

/**
 * Writes `target` all or nothing (replacing an existing regular file; see {@link openOutput} for stdout, devices and
 * FIFOs, which are written in place). On any failure a regular `target` is left as it was.
 *
 * @example
 * ```ts
 * await writeAtomically('contract.sig', async (sink) => void sink.end(signature))
 * ```
 */
export async function writeAtomically(
  target: string,
  write: (sink: Writable) => Promise<void>,
  flag = '--out',
): Promise<void> {
  const output = await openOutput(target, { force: true, flag })
  try {
    await write(output.sink)
    if (!output.sink.writableEnded) output.sink.end()
    await new Promise<void>((resolve, reject) => {
      if (output.sink.writableFinished) return resolve()
      output.sink.once('finish', resolve).once('error', reject)
    })
    await output.commit()
  } catch (e) {
    output.abort()
    throw e
  }
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
