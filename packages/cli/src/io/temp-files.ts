import { randomBytes } from 'node:crypto'
import { readdirSync, rmSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

/** `.<name>.keyward-<pid>.<12 hex>.tmp`: recognisable, and naming the process that owns it. */
const TEMP_NAME = /^\..*\.keyward-(\d+)\.[0-9a-f]{12}\.tmp$/

/** A temp name beside `target` (same directory, so the final rename or link stays on one filesystem). */
export function tempNameFor(dir: string, target: string): string {
  return join(dir, `.${basename(target).slice(0, 200)}.keyward-${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists and belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes temp files that a killed `keyward` left in `dir` (only where O_TMPFILE could not be used): files named by
 * {@link tempNameFor}, owned by this user, whose process is gone. A live process's temp file is never touched.
 * Returns the names removed.
 */
export function sweepTempFiles(dir: string): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return removed
  }
  const uid = process.getuid?.()
  for (const name of names) {
    const m = TEMP_NAME.exec(name)
    if (!m || alive(Number(m[1]))) continue
    const path = join(dir, name)
    try {
      const st = statSync(path)
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue
      rmSync(path, { force: true })
      removed.push(name)
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed
}
