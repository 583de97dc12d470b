import type { KeywardConfig } from '@keyward/container'
import { KeywardError } from '@keyward/core'
import type { TencentKmsOptions } from '@keyward/provider-tencent-kms'
import { UsageError } from './cli-error.js'
import { defaultProfileName, profileField, readProfile, type ProfileFiles } from './tccli-profile.js'

/** The options every command takes: Keyward's and tccli's (`keyward --help`, `keyward kms help`). */
export interface GlobalOptions {
  home?: string
  config?: string
  provider?: string
  endpoint?: string
  region?: string
  profile?: string
  secretId?: string
  secretKey?: string
  token?: string
  /** Seconds, as tccli's `--timeout`. */
  timeout?: string
  quiet?: boolean
  /** `gm`, `fips` or `none`: tightens the config file's and KEYWARD_COMPLIANCE's profile, never loosens it. */
  compliance?: string
  allowLegacyDecrypt?: boolean
}

/** Where a command's Actions go. */
export interface Target {
  readonly config: KeywardConfig
  /** Set for a remote KMS: the SDK options and the line printed on stderr (`→ Tencent Cloud KMS ap-guangzhou`). */
  readonly remote?: { readonly options: TencentKmsOptions; readonly announce: string }
}

const TENCENT_HOST = /(^|\.)tencentcloudapi\.com(:443)?$/
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/
const ENDPOINT = /^[A-Za-z0-9.\-[\]:]+$/

/** The flag values whose shape is known here: a bad one is a command line that does not parse (exit 2). */
function checkFlags(opts: GlobalOptions, providers: readonly string[]): void {
  if (opts.provider !== undefined && !providers.includes(opts.provider)) {
    throw new UsageError(
      'InvalidParameterValue',
      `--provider ${JSON.stringify(opts.provider)}: expected one of ${providers.join(', ')}.`,
    )
  }
  if (opts.region !== undefined && !REGION.test(opts.region)) {
    throw new UsageError(
      'InvalidParameterValue',
      `--region ${JSON.stringify(opts.region)}: Region "${opts.region}" is not a Tencent Cloud region name (e.g. ap-guangzhou).`,
    )
  }
  if (opts.endpoint !== undefined && !ENDPOINT.test(opts.endpoint)) {
    throw new UsageError(
      'InvalidParameterValue',
      `--endpoint ${JSON.stringify(opts.endpoint)}: expected host[:port], without a scheme or path.`,
    )
  }
  if (opts.compliance !== undefined && !['none', 'gm', 'fips'].includes(opts.compliance)) {
    throw new UsageError(
      'InvalidParameterValue',
      `--compliance ${JSON.stringify(opts.compliance)}: expected gm, fips or none.`,
    )
  }
}

/** The configuration of one invocation: defaults < config file < environment < global flags. */
export async function resolveConfig(opts: GlobalOptions): Promise<KeywardConfig> {
  // Loaded here rather than at startup so that `--help` and usage errors stay quick.
  const { loadConfig, kmsPkcs11MetadataPath, PROVIDER_NAMES } = await import('@keyward/container')
  checkFlags(opts, PROVIDER_NAMES)
  const explicitRemote = opts.endpoint !== undefined || opts.region !== undefined || opts.profile !== undefined
  const provider = opts.provider ?? (explicitRemote ? 'tencent-kms' : undefined)
  const config = loadConfig({
    ...(opts.config ? { file: opts.config } : {}),
    flags: {
      ...(opts.home ? { home: opts.home } : {}),
      ...(provider ? { provider } : {}),
      ...(opts.compliance ? { compliance: opts.compliance } : {}),
      ...(opts.allowLegacyDecrypt ? { allowLegacyDecrypt: true } : {}),
    },
  })
  // The embedded KMS (this CLI and keyward serve) keeps its HSM key metadata apart from an application's.
  return config.pkcs11.metadataPath
    ? config
    : { ...config, pkcs11: { ...config.pkcs11, metadataPath: kmsPkcs11MetadataPath(config.home) } }
}

function credentialsOf(
  opts: GlobalOptions,
  profile: ProfileFiles | undefined,
  config: KeywardConfig,
): TencentKmsOptions['credentials'] {
  const fromFile = (p: ProfileFiles): { secretId: string; secretKey: string; sessionToken?: string } | undefined => {
    const id = profileField(p.credential, undefined, 'secretId')
    const key = profileField(p.credential, undefined, 'secretKey')
    const token = profileField(p.credential, undefined, 'token')
    return id && key ? { secretId: id, secretKey: key, ...(token ? { sessionToken: token } : {}) } : undefined
  }
  if (opts.secretId !== undefined || opts.secretKey !== undefined) {
    if (!opts.secretId || !opts.secretKey)
      throw new UsageError('MissingParameter', '--secretId and --secretKey go together.')
    return { secretId: opts.secretId, secretKey: opts.secretKey, ...(opts.token ? { sessionToken: opts.token } : {}) }
  }
  // As tccli: a named profile's credentials win over the environment; without one, the environment first.
  if (profile) {
    const c = fromFile(profile)
    if (!c)
      throw new KeywardError(
        'MissingParameter',
        `Profile ${profile.name} has no secretId/secretKey (keyward configure set secretId ... --profile ${profile.name}).`,
      )
    return c
  }
  const env = process.env
  if (env['TENCENTCLOUD_SECRET_ID'] && env['TENCENTCLOUD_SECRET_KEY']) {
    const token = env['TENCENTCLOUD_TOKEN'] ?? env['TENCENTCLOUD_SESSION_TOKEN']
    return {
      secretId: env['TENCENTCLOUD_SECRET_ID'],
      secretKey: env['TENCENTCLOUD_SECRET_KEY'],
      ...(token ? { sessionToken: token } : {}),
    }
  }
  const t = config.tencent
  if (t.secretId && t.secretKey)
    return { secretId: t.secretId, secretKey: t.secretKey, ...(t.token ? { sessionToken: t.token } : {}) }
  const c = fromFile(readProfile(defaultProfileName()))
  if (c) return c
  throw new KeywardError(
    'MissingParameter',
    'No credentials for the remote KMS: --secretId/--secretKey, TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY, or a tccli profile (keyward configure).',
  )
}

function timeoutMs(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    throw new UsageError(
      'InvalidParameterValue',
      `--timeout ${JSON.stringify(value)}: expected whole seconds (1 or more).`,
    )
  return Number(value) * 1000
}

/**
 * Resolves where a command goes. Only an explicit choice leaves the embedded KMS: `--region`, `--endpoint`,
 * `--profile`, `--provider tencent-kms`, or `provider` in a config file (or KEYWARD_PROVIDER). Tencent credentials
 * or a region in the environment alone never do — they only supply values once the choice is made.
 */
export async function resolveTarget(opts: GlobalOptions): Promise<Target> {
  timeoutMs(opts.timeout, 0)
  const config = await resolveConfig(opts)
  if (config.provider !== 'tencent-kms') {
    if (opts.secretId !== undefined || opts.secretKey !== undefined || opts.token !== undefined) {
      throw new UsageError(
        'InvalidParameter',
        '--secretId/--secretKey/--token are credentials for a remote KMS: add --region, --endpoint or --profile (without them the command runs on the embedded KMS).',
      )
    }
    return { config }
  }
  const profile = opts.profile !== undefined ? readProfile(opts.profile) : undefined
  if (profile && !profile.exists)
    throw new KeywardError(
      'InvalidParameterValue',
      `Profile ${profile.name} does not exist (keyward configure --profile ${profile.name} creates it, as tccli configure does).`,
    )
  const region =
    opts.region ?? (profile && profileField(profile.configure, '_sys_param', 'region')) ?? config.tencent.region
  const endpoint =
    opts.endpoint ?? (profile && profileField(profile.configure, 'kms', 'endpoint')) ?? config.tencent.endpoint
  const loopback = endpoint !== undefined && LOOPBACK.test(endpoint)
  const options: TencentKmsOptions = {
    region,
    ...(endpoint ? { endpoint } : {}),
    protocol: loopback ? 'http' : 'https',
    requestTimeoutMs: timeoutMs(opts.timeout, config.tencent.timeoutMs),
    credentials: credentialsOf(opts, profile, config),
    // The config's (a 国密 region: SM4); else both on keyward serve (any loopback endpoint), a region's own otherwise.
    ...(config.tencent.symmetricKeySpecs
      ? { symmetricKeySpecs: config.tencent.symmetricKeySpecs }
      : loopback
        ? { symmetricKeySpecs: ['AES_256', 'SM4'] as const }
        : {}),
  }
  const announce =
    endpoint === undefined || TENCENT_HOST.test(endpoint)
      ? `→ Tencent Cloud KMS ${region}${profile ? ` (profile ${profile.name})` : ''}\n`
      : `→ ${loopback ? 'http' : 'https'}://${endpoint}\n`
  return { config, remote: { options, announce } }
}
