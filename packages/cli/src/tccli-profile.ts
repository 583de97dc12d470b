import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { KeywardError } from '@keyward/core'

/**
 * tccli's profile files, read and written in tccli's own format so that `tccli configure` and `keyward configure`
 * share them: `~/.tccli/<profile>.configure` (`{"_sys_param": {"region", "output", ...}, "kms": {"endpoint",
 * "version"}, ...}`) and `~/.tccli/<profile>.credential` (`{"secretId", "secretKey", "token"?}`).
 */
export type ProfileFile = Record<string, unknown>

/** The two files of a profile. */
export interface ProfileFiles {
  readonly name: string
  readonly configure: ProfileFile
  readonly credential: ProfileFile
  /** Whether either file exists. */
  readonly exists: boolean
}

/** `~/.tccli` (HOME decides, as for tccli). */
export function tccliDir(): string {
  return join(homedir(), '.tccli')
}

/** The profile tccli uses when none is named: $TCCLI_PROFILE, else `default`. */
export function defaultProfileName(env: NodeJS.ProcessEnv = process.env): string {
  return env['TCCLI_PROFILE'] || 'default'
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith('.')) {
    throw new KeywardError(
      'InvalidParameterValue',
      `Profile name ${JSON.stringify(name)}: use 1-64 letters, digits, _ . - (not starting with a dot).`,
    )
  }
}

function readJson(path: string): ProfileFile {
  if (!existsSync(path)) return {}
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    // Not echoed: the credential file holds the SecretKey.
    throw new KeywardError('InvalidParameterValue', `${path} is not JSON (tccli's profile format).`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new KeywardError('InvalidParameterValue', `${path} is not a JSON object.`)
  return value as ProfileFile
}

/** Reads profile `name`; missing files read as empty. */
export function readProfile(name: string): ProfileFiles {
  checkName(name)
  const dir = tccliDir()
  const conf = join(dir, `${name}.configure`)
  const cred = join(dir, `${name}.credential`)
  return { name, configure: readJson(conf), credential: readJson(cred), exists: existsSync(conf) || existsSync(cred) }
}

/** A string field of a section (`_sys_param.region`, `kms.endpoint`), or undefined. */
export function profileField(file: ProfileFile, section: string | undefined, key: string): string | undefined {
  const holder = section === undefined ? file : file[section]
  if (holder === null || typeof holder !== 'object') return undefined
  const v = (holder as Record<string, unknown>)[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** JSON as tccli's Utils.dump_json_msg writes it: sorted keys, two-space indent, no trailing newline. */
function tccliJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort)
    if (v === null || typeof v !== 'object') return v
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
    )
  }
  return JSON.stringify(sort(value), null, 2)
}

/**
 * Writes one profile file atomically. Unlike tccli (which leaves them to the umask) the directory is 0700 and the
 * files 0600: the credential file holds the SecretKey.
 */
export function writeProfileFile(name: string, kind: 'configure' | 'credential', data: ProfileFile): string {
  checkName(name)
  const dir = tccliDir()
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, `${name}.${kind}`)
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    writeFileSync(temp, tccliJson(data), { mode: 0o600, flag: 'wx' })
    renameSync(temp, path)
    chmodSync(path, 0o600)
  } finally {
    rmSync(temp, { force: true })
  }
  return path
}

/** Removes both files of a profile; returns the ones that did not exist. */
export function removeProfile(name: string): string[] {
  checkName(name)
  const missing: string[] = []
  for (const kind of ['configure', 'credential']) {
    const path = join(tccliDir(), `${name}.${kind}`)
    if (existsSync(path)) rmSync(path)
    else missing.push(`${name}.${kind}`)
  }
  return missing
}
