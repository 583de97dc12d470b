import { closeSync, fsyncSync, linkSync, openSync, statSync, readFileSync, writeSync, unlinkSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { KeywardError, fromBase64, zeroize } from '@keyward/core'

/** Where {@link loadRootKey} looks for the root key. */
export interface RootKeySource {
  /** Environment to read `KEYWARD_ROOT_KEY` (base64 of 32 bytes) from; default process.env. */
  env?: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>
  /** A file holding the 32 raw bytes or their base64; must be mode 0600 (no group/other access). */
  keyFile?: string
  /**
   * Create `keyFile` (0600, atomically) when it does not exist. Off by default: a root key created beside
   * the data it protects protects nothing against someone who copies the directory, so only a caller that
   * knows this (the CLI's dev mode, which warns) turns it on.
   */
  createIfMissing?: boolean
}

/** fsync of a directory, so that a rename in it survives a power cut. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function storeError(message: string, cause?: unknown): KeywardError {
  return new KeywardError('FailedOperation.StoreError', message, cause === undefined ? {} : { cause })
}

function decodeKey(raw: Buffer, where: string): Buffer {
  if (raw.length === 32) return Buffer.from(raw)
  const text = raw.toString('utf8').trim()
  let key: Buffer
  try {
    key = fromBase64(text, where)
  } catch (cause) {
    throw storeError(`${where} is not 32 bytes nor base64 of 32 bytes.`, cause)
  }
  if (key.length !== 32) {
    zeroize(key)
    throw storeError(`${where} must hold 32 bytes (AES-256), got ${key.length}.`)
  }
  return key
}

/**
 * Loads the 32-byte root key: from `KEYWARD_ROOT_KEY` (base64) when set, else from `keyFile`, which must be
 * a regular file of mode 0600 or stricter (wider permissions are refused, as ssh does for private keys).
 * The caller owns the returned buffer and should zero it once a {@link RootKey} holds a copy.
 *
 * @example
 * ```ts
 * const bytes = loadRootKey({ keyFile: '/etc/keyward/root.key' })
 * const provider = await SoftwareKeyProvider.open({ rootKey: bytes, storePath: '/var/lib/keyward/keys.db' })
 * ```
 */
export function loadRootKey(source: RootKeySource = {}): Buffer {
  const env = source.env ?? process.env
  const fromEnv = env['KEYWARD_ROOT_KEY']
  if (fromEnv !== undefined && fromEnv !== '') return decodeKey(Buffer.from(fromEnv, 'utf8'), 'KEYWARD_ROOT_KEY')
  if (source.keyFile === undefined) {
    throw new KeywardError(
      'FailedOperation.ProviderUnavailable',
      'No root key: set KEYWARD_ROOT_KEY (base64 of 32 bytes) or give a key file.',
    )
  }
  const file = source.keyFile
  let mode: number
  try {
    const st = statSync(file)
    if (!st.isFile()) throw storeError(`Root key file ${file} is not a regular file.`)
    mode = st.mode & 0o777
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && source.createIfMissing) {
      try {
        createRootKeyFile(file)
      } catch (raced) {
        // Another process created it first (several first uses of one home at once): use theirs.
        if (!(raced instanceof KeywardError && raced.code === 'InvalidParameterValue')) throw raced
      }
      return loadRootKey({ ...source, createIfMissing: false })
    }
    if (e instanceof KeywardError) throw e
    throw storeError(`Root key file ${file} cannot be read.`, e)
  }
  if ((mode & 0o077) !== 0) {
    throw storeError(
      `Root key file ${file} has mode ${mode.toString(8)}; it must be 0600 or stricter (chmod 600 ${file}).`,
    )
  }
  const raw = readFileSync(file)
  try {
    return decodeKey(raw, `Root key file ${file}`)
  } finally {
    zeroize(raw)
  }
}

/**
 * Writes a new random root key (base64) to `path` with mode 0600, atomically: a temp file in the same
 * directory, fsync, then a hard link to `path`, so a crash leaves either no key or a whole one. Refuses to
 * overwrite — also when another process creates the file at the same moment: link(2) fails on an existing name
 * where rename(2) would silently replace the key the other process already uses.
 */
export function createRootKeyFile(path: string): void {
  let existing = false
  try {
    statSync(path)
    existing = true
  } catch {
    /* absent, as wanted */
  }
  if (existing)
    throw new KeywardError('InvalidParameterValue', `Root key file ${path} already exists; not overwriting it.`)
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const key = randomBytes(32)
  const text = Buffer.from(`${key.toString('base64')}\n`, 'utf8')
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', 0o600)
    writeSync(fd, text)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    linkSync(tmp, path)
    unlinkSync(tmp)
    syncDirectory(dirname(path))
  } catch (e) {
    if (fd !== undefined) closeSync(fd)
    try {
      unlinkSync(tmp)
    } catch {
      /* already gone */
    }
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeywardError('InvalidParameterValue', `Root key file ${path} already exists; not overwriting it.`, {
        cause: e,
      })
    throw storeError(`Cannot create root key file ${path}.`, e)
  } finally {
    zeroize(key, text)
  }
}
