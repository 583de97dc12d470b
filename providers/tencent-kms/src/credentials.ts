import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { INSPECT, KeywardError, REDACTED, SecretString } from '@keyward/core'

/**
 * Tencent Cloud API credentials. The SecretKey and session token are SecretStrings: they never print, and
 * are revealed only when the SDK signs a request.
 */
export class TencentCredentials {
  readonly secretId: string
  readonly secretKey: SecretString
  readonly sessionToken: SecretString | undefined
  /** Where they came from, for diagnostics (`explicit`, `env`, or a file path). */
  readonly source: string

  constructor(
    secretId: string,
    secretKey: string | SecretString,
    sessionToken?: string | SecretString,
    source = 'explicit',
  ) {
    this.secretId = secretId
    this.secretKey = typeof secretKey === 'string' ? new SecretString(secretKey) : secretKey
    this.sessionToken = typeof sessionToken === 'string' ? new SecretString(sessionToken) : sessionToken
    this.source = source
  }

  toJSON(): { secretId: string; secretKey: string; sessionToken?: string; source: string } {
    return {
      secretId: this.secretId,
      secretKey: REDACTED,
      ...(this.sessionToken ? { sessionToken: REDACTED } : {}),
      source: this.source,
    }
  }

  [INSPECT](): string {
    return `TencentCredentials { secretId: '${this.secretId}', secretKey: ${REDACTED}, source: '${this.source}' }`
  }
}

/** Explicit credentials, or where to find them. */
export type CredentialsInput =
  | TencentCredentials
  | { secretId: string; secretKey: string | SecretString; sessionToken?: string | SecretString }
  | { profile?: string; file?: string }

/** Where {@link resolveCredentials} looks; injectable so tests need not touch the real home directory. */
export interface CredentialEnvironment {
  env?: Readonly<Record<string, string | undefined>>
  homeDir?: string
}

/**
 * Finds credentials, first match wins: explicit values; TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY
 * (+ TENCENTCLOUD_SESSION_TOKEN or TENCENTCLOUD_TOKEN); tccli's `~/.tccli/<profile>.credential` (JSON);
 * `~/.tencentcloud/credentials` (INI, `[<profile>]` with secret_id / secret_key / token). The profile is
 * `input.profile`, else TENCENTCLOUD_PROFILE, else `default`.
 *
 * @example
 * ```ts
 * const creds = resolveCredentials({ profile: 'prod' })
 * ```
 */
export function resolveCredentials(input?: CredentialsInput, where: CredentialEnvironment = {}): TencentCredentials {
  if (input instanceof TencentCredentials) return input
  if (input && 'secretId' in input) {
    needsText(input.secretId, 'secretId')
    const key = typeof input.secretKey === 'string' ? input.secretKey : input.secretKey?.reveal()
    needsText(key, 'secretKey')
    return new TencentCredentials(input.secretId, input.secretKey, input.sessionToken, 'explicit')
  }
  const env = where.env ?? process.env
  const home = where.homeDir ?? homedir()
  const file = input && 'file' in input ? input.file : undefined
  const profile = (input && 'profile' in input ? input.profile : undefined) ?? env.TENCENTCLOUD_PROFILE ?? 'default'
  if (file) return fromFile(file, profile)
  if (env.TENCENTCLOUD_SECRET_ID && env.TENCENTCLOUD_SECRET_KEY) {
    return new TencentCredentials(
      env.TENCENTCLOUD_SECRET_ID,
      env.TENCENTCLOUD_SECRET_KEY,
      env.TENCENTCLOUD_SESSION_TOKEN ?? env.TENCENTCLOUD_TOKEN,
      'env',
    )
  }
  for (const candidate of [join(home, '.tccli', `${profile}.credential`), join(home, '.tencentcloud', 'credentials')]) {
    const found = tryFile(candidate, profile)
    if (found) return found
  }
  throw new KeywardError(
    'FailedOperation.ProviderUnavailable',
    'No Tencent Cloud credentials: pass secretId/secretKey, set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or run `tccli configure`.',
  )
}

function needsText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new KeywardError('MissingParameter', `Tencent credentials need a non-empty ${field}.`)
  }
}

function tryFile(path: string, profile: string): TencentCredentials | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  return parseCredentialFile(text, path, profile)
}

function fromFile(path: string, profile: string): TencentCredentials {
  const found = tryFile(path, profile)
  if (!found)
    throw new KeywardError('FailedOperation.ProviderUnavailable', `Cannot read Tencent credentials from ${path}.`)
  return found
}

/** tccli writes JSON ({"secretId", "secretKey", "token"?}); the other SDKs read INI sections. */
function parseCredentialFile(text: string, path: string, profile: string): TencentCredentials | undefined {
  const fields = text.trimStart().startsWith('{') ? parseJson(text, path) : parseIni(text, profile)
  if (!fields) return undefined
  const id = fields.secretId ?? fields.secret_id
  const key = fields.secretKey ?? fields.secret_key
  if (!id || !key) return undefined
  return new TencentCredentials(id, key, fields.token ?? fields.sessionToken, path)
}

function parseJson(text: string, path: string): Record<string, string | undefined> {
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
    }
  } catch {
    // Fall through: a corrupt file is reported without echoing its content (it may hold the key).
  }
  throw new KeywardError(
    'FailedOperation.ProviderUnavailable',
    `The Tencent credential file ${path} is not valid JSON.`,
  )
}

function parseIni(text: string, profile: string): Record<string, string> | undefined {
  let section = ''
  const out: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      section = header[1]!.trim()
      continue
    }
    const eq = line.indexOf('=')
    if (section === profile && eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return Object.keys(out).length > 0 ? out : undefined
}
