/**
 * The global options of `tccli` (tccli/loaders.py `get_cli_option`) and what `keyward kms` does with each. One
 * table drives the parser, `keyward kms help` and the README's compatibility list, so they cannot disagree.
 */

/** How `keyward` treats a tccli global option. */
export type Support = 'honoured' | 'accepted' | 'refused'

/** One global option. */
export interface GlobalOptionSpec {
  /** Without the leading `--`, spelled as tccli spells it. */
  readonly name: string
  /** `value`: takes one argument; `flag`: takes none; `optional`: takes one when the next word is in `choices`. */
  readonly arity: 'value' | 'flag' | 'optional'
  readonly choices?: readonly string[]
  readonly support: Support
  /** What keyward does with it (help text and README). */
  readonly note: string
}

const opt = (
  name: string,
  arity: GlobalOptionSpec['arity'],
  support: Support,
  note: string,
  choices?: readonly string[],
): GlobalOptionSpec => ({ name, arity, support, note, ...(choices ? { choices } : {}) })

/** Every tccli global option, in tccli's order, plus `--version` (the CLI's or the API's). */
export const TCCLI_GLOBAL_OPTIONS: readonly GlobalOptionSpec[] = [
  opt(
    'filter',
    'value',
    'honoured',
    'JMESPath expression applied to the response (the jmespath library tccli also uses)',
  ),
  opt('output', 'value', 'honoured', "json (default, or the profile's), table or text, formatted as tccli does", [
    'json',
    'text',
    'table',
  ]),
  opt('secretId', 'value', 'honoured', 'SecretId for the remote KMS chosen by --region/--endpoint/--profile'),
  opt(
    'secretKey',
    'value',
    'honoured',
    'SecretKey for that remote KMS (prefer the environment or a profile: argv is visible to other users)',
  ),
  opt('token', 'value', 'honoured', 'session token of temporary credentials'),
  opt(
    'role-arn',
    'value',
    'refused',
    'STS AssumeRole is not supported: pass the temporary credentials with --secretId/--secretKey/--token',
  ),
  opt('role-session-name', 'value', 'refused', 'see --role-arn'),
  opt('use-cvm-role', 'flag', 'refused', 'CVM instance roles are not supported'),
  opt(
    'version',
    'optional',
    'honoured',
    'API version: only 2019-01-18 exists; without a date, prints the keyward version',
  ),
  opt('detail', 'flag', 'accepted', 'help is always detailed'),
  opt(
    'profile',
    'value',
    'honoured',
    'tccli profile (~/.tccli/<name>.configure and .credential): Tencent Cloud KMS with its region, endpoint and keys',
  ),
  opt('region', 'value', 'honoured', 'Tencent Cloud KMS in that region'),
  opt('endpoint', 'value', 'honoured', 'a KMS endpoint host[:port] (e.g. keyward serve); http only on loopback'),
  opt('timeout', 'value', 'honoured', 'request timeout in seconds for a remote KMS (default 60, as tccli)'),
  opt(
    'generate-cli-skeleton',
    'optional',
    'honoured',
    "print the request skeleton from the SDK's model; nothing is sent",
    ['input'],
  ),
  opt(
    'cli-input-json',
    'value',
    'honoured',
    'parameters as JSON, inline or file://path; command-line parameters override its fields',
  ),
  opt(
    'cli-unfold-argument',
    'flag',
    'accepted',
    'dotted names (--Tags.0.TagKey) and space-separated lists are always understood',
  ),
  opt('https-proxy', 'value', 'refused', 'not supported: no proxy is used'),
  opt('warning', 'flag', 'accepted', 'no effect'),
  opt('waiter', 'value', 'refused', 'polling is not supported: KMS Actions complete synchronously'),
  opt('language', 'value', 'accepted', 'no effect: messages are in English', ['zh-CN', 'en-US']),
  opt('request-client', 'value', 'accepted', 'no effect'),
]

/** The options keyward adds (also accepted before `kms`, as for every command). */
export const KEYWARD_KMS_OPTIONS: readonly GlobalOptionSpec[] = [
  opt('home', 'value', 'honoured', 'data directory of the embedded KMS (default $KEYWARD_HOME or ~/.keyward)'),
  opt('config', 'value', 'honoured', 'keyward.config.json/.yaml'),
  opt('provider', 'value', 'honoured', 'software (default) or pkcs11 behind the embedded KMS, or tencent-kms'),
  opt('quiet', 'flag', 'honoured', 'do not print the remote target on stderr'),
  opt(
    'compliance',
    'value',
    'honoured',
    'compliance profile gm, fips or none (tightens the config and KEYWARD_COMPLIANCE, never loosens them)',
    ['none', 'gm', 'fips'],
  ),
  opt(
    'allow-legacy-decrypt',
    'flag',
    'honoured',
    'under a profile, still decrypt data made with algorithms it refuses (migrations; every use audited)',
  ),
]

/** The spec of `--name`, or undefined for a name no table knows. */
export function globalOption(name: string): GlobalOptionSpec | undefined {
  return TCCLI_GLOBAL_OPTIONS.find((o) => o.name === name) ?? KEYWARD_KMS_OPTIONS.find((o) => o.name === name)
}
