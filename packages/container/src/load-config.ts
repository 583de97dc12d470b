import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { KeywardError, strictestCompliance, type ComplianceProfileName } from '@keyward/core'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { configSchema, type KeywardConfig } from './config-schema.js'

/** Config file names looked for, in order, in the working directory and then in `$KEYWARD_HOME`. */
export const CONFIG_FILE_NAMES = ['keyward.config.json', 'keyward.config.yaml', 'keyward.config.yml'] as const

type Plain = Record<string, unknown>

export interface LoadConfigOptions {
  /** Explicit config file (`--config`); an error when it does not exist. */
  file?: string
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv
  /** Flags, highest precedence (e.g. `{ provider: 'pkcs11', server: { port: 9000 } }`). */
  flags?: Plain
  cwd?: string
}

/**
 * Loads the configuration: defaults < file < environment < flags, validated with zod. Errors name the bad field.
 *
 * Environment: KEYWARD_HOME, KEYWARD_PROVIDER, KEYWARD_ENDPOINT, TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY /
 * TENCENTCLOUD_SESSION_TOKEN / TENCENTCLOUD_REGION, KEYWARD_PKCS11_MODULE, KEYWARD_PKCS11_TOKEN,
 * KEYWARD_PKCS11_LIBRARY_PARAMETERS, KEYWARD_COMPLIANCE. The compliance profile is the exception to the precedence:
 * each source can only tighten it (see {@link complianceOf}). Only an explicit choice — `provider` in a file,
 * KEYWARD_PROVIDER or a flag — selects a provider: Tencent credentials and a region in the environment (set for other
 * tools) never move an app or a command off the embedded default onto real Tencent Cloud keys.
 *
 * @example
 * ```ts
 * const config = loadConfig({ flags: { provider: 'pkcs11' } })
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): KeywardConfig {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const fromFlags = options.flags ?? {}
  const home = resolve(
    cwd,
    (fromFlags['home'] as string | undefined) ?? env['KEYWARD_HOME'] ?? join(homedir(), '.keyward'),
  )
  const file = options.file ? resolve(cwd, options.file) : findConfigFile([cwd, home])
  if (options.file && !existsSync(file ?? '')) {
    throw new KeywardError('InvalidParameterValue', `Config file ${options.file} does not exist.`)
  }
  const fromFile = file ? readConfigFile(file) : {}
  // Checked first, so that a bad profile name is reported with where it came from.
  const compliance = complianceOf(fromFile, file, env, fromFlags)
  const merged = deepMerge(deepMerge(deepMerge({ home }, fromFile), fromEnv(env)), fromFlags)
  // allowLegacyDecrypt loosens a profile: the environment never sets it (fromEnv has no such variable).
  return { ...validate({ ...merged, compliance }, file), compliance }
}

/**
 * The profile the file, KEYWARD_COMPLIANCE and the flags add up to: the strictest, so that `none` in one place never
 * loosens `gm` set in another (an environment variable or a flag cannot switch a deployment's profile off), and two
 * different profiles are refused naming both places. A value that is not a profile name is an error wherever it is.
 */
function complianceOf(
  fromFile: Plain,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  flags: Plain,
): ComplianceProfileName {
  const opt = (v: unknown): ComplianceProfileName | undefined =>
    v === undefined || v === '' ? undefined : (v as ComplianceProfileName)
  return strictestCompliance([
    { profile: opt(fromFile['compliance']), source: `compliance in ${file ?? 'the config file'}` },
    { profile: opt(env['KEYWARD_COMPLIANCE']), source: 'KEYWARD_COMPLIANCE' },
    { profile: opt(flags['compliance']), source: 'the compliance flag' },
  ])
}

function findConfigFile(dirs: string[]): string | undefined {
  for (const dir of dirs) for (const name of CONFIG_FILE_NAMES) if (existsSync(join(dir, name))) return join(dir, name)
  return undefined
}

function readConfigFile(file: string): Plain {
  const text = readFileSync(file, 'utf8')
  try {
    const data: unknown = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text)
    if (data === null || data === undefined) return {}
    if (typeof data !== 'object' || Array.isArray(data)) throw new Error('the top level must be an object')
    return data as Plain
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', `Config file ${file} cannot be parsed: ${(e as Error).message}`, {
      cause: e,
    })
  }
}

function fromEnv(env: NodeJS.ProcessEnv): Plain {
  const out: Plain = {}
  const tencent: Plain = {}
  if (env['TENCENTCLOUD_SECRET_ID']) tencent['secretId'] = env['TENCENTCLOUD_SECRET_ID']
  if (env['TENCENTCLOUD_SECRET_KEY']) tencent['secretKey'] = env['TENCENTCLOUD_SECRET_KEY']
  if (env['TENCENTCLOUD_SESSION_TOKEN']) tencent['token'] = env['TENCENTCLOUD_SESSION_TOKEN']
  if (env['TENCENTCLOUD_REGION']) tencent['region'] = env['TENCENTCLOUD_REGION']
  if (env['KEYWARD_ENDPOINT']) tencent['endpoint'] = env['KEYWARD_ENDPOINT']
  if (Object.keys(tencent).length) out['tencent'] = tencent
  if (env['KEYWARD_PROVIDER']) out['provider'] = env['KEYWARD_PROVIDER']
  if (env['KEYWARD_COMPLIANCE']) out['compliance'] = env['KEYWARD_COMPLIANCE']
  const pkcs11: Plain = {}
  if (env['KEYWARD_PKCS11_MODULE']) pkcs11['module'] = env['KEYWARD_PKCS11_MODULE']
  if (env['KEYWARD_PKCS11_TOKEN']) pkcs11['tokenLabel'] = env['KEYWARD_PKCS11_TOKEN']
  if (env['KEYWARD_PKCS11_LIBRARY_PARAMETERS']) pkcs11['libraryParameters'] = env['KEYWARD_PKCS11_LIBRARY_PARAMETERS']
  if (Object.keys(pkcs11).length) out['pkcs11'] = pkcs11
  return out
}

function isPlain(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Plain, v) : v
  }
  return out
}

function validate(input: Plain, file: string | undefined): KeywardConfig {
  const r = configSchema.safeParse(input)
  if (r.success) return r.data
  const where = file ? ` (from ${file}, the environment and flags)` : ''
  throw new KeywardError('InvalidParameterValue', `Invalid configuration${where}: ${describeIssues(r.error.issues)}`)
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
}
