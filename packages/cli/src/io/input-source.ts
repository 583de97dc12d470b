import { createReadStream, statSync, type Stats } from 'node:fs'
import type { Readable } from 'node:stream'
import { KeywardError } from '@keyward/core'
import { UsageError } from '../cli-error.js'
import { ownFdOf } from './fd-path.js'

/** An input of a command: its bytes and, for a regular file, its size (progress bar, length check). */
export interface InputSource {
  open(): Readable
  /** Undefined for stdin, a pipe or a device. */
  readonly size: number | undefined
  /** Device and inode, to refuse writing the output over the input. */
  readonly identity: string | undefined
}

/**
 * Checks the input `path` of a command (`flag` names it in errors) without reading it: `-` or `/dev/stdin` is
 * standard input; a regular file, a FIFO or a device is read from its path.
 */
export function inputSource(path: string, flag: string): InputSource {
  if (path === '-') return { open: () => process.stdin, size: undefined, identity: undefined }
  const fd = ownFdOf(path)
  if (fd === 0) return { open: () => process.stdin, size: undefined, identity: undefined }
  let st: Stats
  try {
    st = statSync(path)
  } catch {
    throw new KeywardError('InvalidParameterValue', `${flag} ${path}: no such file.`)
  }
  if (st.isDirectory()) throw new KeywardError('InvalidParameterValue', `${flag} ${path} is a directory.`)
  return {
    open: () => (fd !== undefined ? createReadStream('', { fd, autoClose: false }) : createReadStream(path)),
    size: st.isFile() ? st.size : undefined,
    identity: st.isFile() ? `${st.dev}:${st.ino}` : undefined,
  }
}

/** Refuses an output that is the input file itself (it would be gone before it is read), by inode, not by name. */
export function checkNotSameFile(input: InputSource, output: string, flags: string): void {
  if (input.identity === undefined || output === '-') return
  try {
    const st = statSync(output)
    if (`${st.dev}:${st.ino}` === input.identity)
      throw new UsageError('InvalidParameterValue', `${flags} must name different files.`)
  } catch (e) {
    if (e instanceof KeywardError) throw e
  }
}
