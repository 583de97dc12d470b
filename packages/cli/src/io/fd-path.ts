import { lstatSync, readlinkSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

const MAX_HOPS = 40

function ownFdDir(dir: string): boolean {
  const m = /^\/proc\/(\d+)(?:\/task\/\d+)?\/fd$/.exec(dir)
  return m !== null && Number(m[1]) === process.pid
}

/**
 * The file descriptor of this process that `path` names, when it is one: `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
 * `/proc/self/fd/N`, or a symlink to any of them. Such a path names an open file of the process, not a place in a
 * directory: it is written through the descriptor (as `cat` writes to its stdout) and never renamed over.
 *
 * @example
 * ```ts
 * ownFdOf('/dev/stdout') // 1
 * ownFdOf('report.pdf')  // undefined
 * ```
 */
export function ownFdOf(path: string): number | undefined {
  let current = resolve(path)
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let dir: string
    try {
      dir = realpathSync(dirname(current))
    } catch {
      return undefined
    }
    const name = basename(current)
    if (ownFdDir(dir) && /^\d+$/.test(name)) return Number(name)
    const full = join(dir, name)
    try {
      if (!lstatSync(full).isSymbolicLink()) return undefined
      current = resolve(dir, readlinkSync(full))
    } catch {
      return undefined
    }
  }
  return undefined
}
