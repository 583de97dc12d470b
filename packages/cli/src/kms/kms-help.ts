import {
  KMS_SDK_VERSION,
  KEYWARD_EXTENSION_ACTIONS,
  modelledActions,
  requestModel,
  structModel,
  type ApiField,
} from '@keyward/server/api-models'
import { TCCLI_GLOBAL_OPTIONS } from './global-options.js'

const TYPE_NAMES: Readonly<Record<string, string>> = { string: 'String', integer: 'Integer', boolean: 'Boolean' }

function typeName(f: ApiField): string {
  const t = TYPE_NAMES[f.type] ?? f.type
  return f.list ? `Array of ${t}` : t
}

/** `keyward kms help`: every Action of the API model, Keyward's own marked. */
export function kmsHelp(): string {
  const actions = modelledActions()
  const width = Math.max(...actions.map((a) => a.length)) + 2
  const cols = 3
  const rows: string[] = []
  for (let i = 0; i < actions.length; i += cols) {
    rows.push(
      `  ${actions
        .slice(i, i + cols)
        .map((a) => `${a}${a in KEYWARD_EXTENSION_ACTIONS ? '*' : ''}`.padEnd(width))
        .join('')
        .trimEnd()}`,
    )
  }
  return [
    'Usage: keyward kms <Action> [--Param value ...] [--output json|table|text] [--filter <JMESPath>]',
    '       keyward kms <Action> help',
    '',
    `Actions of the Tencent KMS API 2019-01-18 (request models of tencentcloud-sdk-nodejs ${KMS_SDK_VERSION});`,
    '* = a Keyward extension (accounts, grants). Without --region/--endpoint/--profile an Action runs on the',
    'embedded KMS in $KEYWARD_HOME, which answers InvalidAction for the few it does not implement (white-box keys...).',
    '',
    ...rows,
    '',
    'Global options (as tccli):',
    ...TCCLI_GLOBAL_OPTIONS.map(
      (o) => `  --${o.name.padEnd(24)}${o.support === 'refused' ? '(refused) ' : ''}${o.note}`,
    ),
    '  --quiet                   do not print the remote target (→ ...) on stderr',
    '  --compliance <profile>    gm, fips or none: refuse what the profile forbids (tightens, never loosens, the config)',
    '  --allow-legacy-decrypt    under a profile, decrypt data made with refused algorithms (migrations; audited)',
    '',
  ].join('\n')
}

function paramLines(fields: readonly ApiField[], prefix: string, out: string[][]): void {
  for (const f of fields) {
    const flag = `--${prefix}${f.name}`
    out.push([flag, typeName(f), f.required ? 'required' : 'optional', f.description])
    const nested = structModel(f.type)
    if (nested) paramLines(nested, `${prefix}${f.name}.${f.list ? '0.' : ''}`, out)
  }
}

/**
 * `keyward kms <Action> help`: the Action's parameters from the SDK's request model, or undefined for an unknown
 * Action.
 */
export function actionHelp(action: string): string | undefined {
  const model = requestModel(action)
  if (!model) return undefined
  const rows: string[][] = []
  paramLines(model, '', rows)
  const w0 = Math.max(10, ...rows.map((r) => (r[0] as string).length)) + 2
  const w1 = Math.max(6, ...rows.map((r) => (r[1] as string).length)) + 2
  const usage = model
    .map((f) => (f.required ? `--${f.name} <${typeName(f)}>` : `[--${f.name} <${typeName(f)}>]`))
    .join(' ')
  return [
    `Usage: keyward kms ${action} ${usage}`.trimEnd(),
    '',
    action in KEYWARD_EXTENSION_ACTIONS
      ? `${action} is a Keyward extension of the API.`
      : `${action}: Tencent KMS API 2019-01-18 (request model of tencentcloud-sdk-nodejs ${KMS_SDK_VERSION}).`,
    '',
    rows.length ? 'Parameters:' : 'No parameters.',
    ...rows.map(
      ([flag, type, req, desc]) =>
        `  ${(flag as string).padEnd(w0)}${(type as string).padEnd(w1)}${(req as string).padEnd(10)}${desc}`,
    ),
    '',
    'Lists take JSON (\'["a","b"]\') or several words (--KeyIds a b); structures take JSON or dotted names',
    '(--Tags.0.TagKey env). --cli-input-json takes the whole request; --generate-cli-skeleton prints its shape.',
    '',
  ].join('\n')
}

/** `--generate-cli-skeleton`: the request's shape with type names as values, as tccli prints it. */
export function requestSkeleton(action: string): Record<string, unknown> {
  const build = (fields: readonly ApiField[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const f of fields) {
      const nested = structModel(f.type)
      const value = nested ? build(nested) : (TYPE_NAMES[f.type] ?? f.type)
      out[f.name] = f.list ? [value] : value
    }
    return out
  }
  return build(requestModel(action) ?? [])
}
