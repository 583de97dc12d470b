/**
 * Ctrl-C and SIGTERM while a command writes: every registered cleanup runs (synchronously: the process is about to
 * end), then the process exits as the signal would have — 130 for SIGINT, 143 for SIGTERM.
 */
const cleanups = new Set<() => void>()
let installed = false

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup()
    } catch {
      // One failed cleanup must not keep the others from running.
    }
  }
  process.exit(signal === 'SIGINT' ? 130 : 143)
}

/**
 * Registers `cleanup` (remove a temp file, show the cursor again) until the returned function is called.
 *
 * @example
 * ```ts
 * const done = onInterrupt(() => rmSync(temp, { force: true }))
 * try { await write() } finally { done() }
 * ```
 */
export function onInterrupt(cleanup: () => void): () => void {
  if (!installed) {
    installed = true
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  cleanups.add(cleanup)
  return () => void cleanups.delete(cleanup)
}
