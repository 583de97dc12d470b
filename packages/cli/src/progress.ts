import { SingleBar, Presets } from 'cli-progress'

/** Reports bytes done; `stop()` ends the display. */
export interface Progress {
  update(bytesDone: number): void
  stop(): void
}

const NONE: Progress = { update: () => undefined, stop: () => undefined }

/**
 * A byte progress bar on stderr when stderr is a terminal (and never in pipes, logs or tests), else nothing.
 *
 * @example
 * ```ts
 * const p = progressBar(process.stderr, size, 'encrypt'); p.update(n); p.stop()
 * ```
 */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, totalBytes: number, label: string): Progress {
  if (!stream.isTTY || totalBytes <= 0) return NONE
  const bar = new SingleBar(
    { stream, format: `${label} [{bar}] {percentage}% | {mib}/{totalMib} MiB | ETA {eta}s`, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  )
  const mib = (n: number): string => (n / 1048576).toFixed(1)
  bar.start(totalBytes, 0, { mib: mib(0), totalMib: mib(totalBytes) })
  return {
    update: (n) => bar.update(Math.min(n, totalBytes), { mib: mib(n) }),
    stop: () => bar.stop(),
  }
}
