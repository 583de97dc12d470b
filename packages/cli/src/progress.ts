import { writeSync } from 'node:fs'
import { SingleBar, Presets } from 'cli-progress'
import { onInterrupt } from './io/interrupts.js'

/** Reports bytes done; `stop()` ends the display (and prints the summary line on a terminal). */
export interface Progress {
  update(bytesDone: number): void
  /** `ok`: the command succeeded, so the one-line summary is printed. */
  stop(ok: boolean): void
}

const SHOW_CURSOR = '\u001b[?25h'
const mib = (n: number): string => (n / 1048576).toFixed(1)

/**
 * On a terminal stderr: a byte progress bar when the size is known, then a one-line summary (`decrypted 200.0 MiB
 * in 1.52 s, 131.6 MiB/s`). The bar hides the cursor; Ctrl-C or SIGTERM shows it again before the process ends.
 * Off a terminal (pipes, logs, tests): nothing.
 *
 * @example
 * ```ts
 * const p = progressBar(process.stderr, size, 'encrypt', 'encrypted'); p.update(n); p.stop(true)
 * ```
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  totalBytes: number | undefined,
  label: string,
  pastTense: string,
): Progress {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined }
  const started = process.hrtime.bigint()
  let done = 0
  let bar: SingleBar | undefined
  if (totalBytes !== undefined && totalBytes > 0) {
    bar = new SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {mib}/{totalMib} MiB | ETA {eta}s`,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    )
    bar.start(totalBytes, 0, { mib: mib(0), totalMib: mib(totalBytes) })
  }
  // Synchronous write: the process is about to exit and will not flush a stream.
  const restoreCursor = onInterrupt(() => void writeSync(2, SHOW_CURSOR))
  return {
    update(n) {
      done = n
      bar?.update(Math.min(n, totalBytes ?? n), { mib: mib(n) })
    },
    stop(ok) {
      bar?.stop()
      restoreCursor()
      if (!ok) return
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const rate = seconds > 0 ? ` (${mib(done / seconds)} MiB/s)` : ''
      stream.write(`${pastTense} ${mib(done)} MiB in ${seconds.toFixed(2)} s${rate}\n`)
    },
  }
}
