import { closestName, requestModel, structModel, type ApiField } from '@keyward/server/api-models'
import { UsageError } from '../cli-error.js'
import { globalOption, KEYWARD_KMS_OPTIONS, TCCLI_GLOBAL_OPTIONS } from './global-options.js'

/** One `--Name value...` of the command line, before typing. */
export interface RawParam {
  /** As typed, e.g. `--Tags.0.TagKey`. */
  readonly flag: string
  /** `['Tags', '0', 'TagKey']`. */
  readonly path: readonly string[]
  readonly values: readonly string[]
}

/** `keyward kms ...` split into its parts; nothing is typed or checked against the model yet beyond names. */
export interface KmsArgv {
  action: string | undefined
  help: boolean
  params: RawParam[]
  /** Global options by name (`filter`, `output`, `home`...); flags are `true`. */
  globals: Map<string, string | true>
}

const OPTION_TOKEN = /^--[A-Za-z][A-Za-z0-9.-]*(=[\s\S]*)?$/
const PARAM_NAME = /^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/
const ACTION_NAME = /^[A-Z][A-Za-z0-9]{0,63}$/
const GLOBAL_NAMES = [...TCCLI_GLOBAL_OPTIONS, ...KEYWARD_KMS_OPTIONS].map((o) => o.name)

/** True for a word that starts another option (`--Name`, `--output`, `-h`), so a value list ends there. */
function startsOption(word: string | undefined): boolean {
  return word !== undefined && (OPTION_TOKEN.test(word) || word === '-h')
}

/** A list of scalars (`KeyIds`, `TagFilters.0.TagValue`) takes several words, as tccli's unfolded `nargs='*'`. */
function takesSeveral(model: readonly ApiField[] | undefined, path: readonly string[]): boolean {
  let fields = model
  let field: ApiField | undefined
  for (const seg of path) {
    if (/^\d+$/.test(seg)) {
      if (!field?.list) return false
      field = undefined // an element, not the list
      continue
    }
    field = fields?.find((x) => x.name === seg)
    fields = field ? structModel(field.type) : undefined
  }
  return field !== undefined && field.list && ['string', 'integer', 'boolean'].includes(field.type)
}

/**
 * Splits the words after `kms` as tccli does: global options anywhere (`--output text` before or after the Action),
 * the Action, `help`, and `--Param value` pairs (several values for list parameters). `--name=value` also works.
 * Throws {@link UsageError} for a word that fits nowhere.
 *
 * @example
 * ```ts
 * splitKmsArgv(['Encrypt', '--KeyId', 'k', '--Plaintext', 'aGk=', '--filter', 'CiphertextBlob'])
 * ```
 */
export function splitKmsArgv(words: readonly string[]): KmsArgv {
  const out: KmsArgv = { action: undefined, help: false, params: [], globals: new Map() }
  let model: readonly ApiField[] | undefined
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    if (word === 'help' || word === '--help' || word === '-h') {
      out.help = true
      continue
    }
    if (!word.startsWith('-')) {
      if (out.action !== undefined)
        throw new UsageError(
          'InvalidParameter',
          `Unexpected argument ${JSON.stringify(word)}: parameters are given as --Name value.`,
        )
      if (!ACTION_NAME.test(word))
        throw new UsageError(
          'InvalidAction',
          `${JSON.stringify(word)} is not an Action name (keyward kms help lists them).`,
        )
      out.action = word
      model = requestModel(word)
      continue
    }
    const eq = word.indexOf('=')
    const name = word.slice(2, eq > 0 ? eq : undefined)
    const inline = eq > 0 ? word.slice(eq + 1) : undefined
    if (!word.startsWith('--') || name === '')
      throw new UsageError('InvalidParameter', `Unexpected argument ${JSON.stringify(word)}.`)
    if (/^[a-z]/.test(name)) {
      i = readGlobal(out, name, inline, words, i, model)
      continue
    }
    if (!PARAM_NAME.test(name))
      throw new UsageError(
        'InvalidParameter',
        `${word} is not a parameter name (parameters are the API's, e.g. --KeyId).`,
      )
    if (out.action === undefined)
      throw new UsageError(
        'InvalidParameter',
        `${word} comes before the Action: write keyward kms <Action> ${word} <value>.`,
      )
    const path = name.split('.')
    const values: string[] = []
    if (inline !== undefined) values.push(inline)
    else if (takesSeveral(model, path))
      while (i + 1 < words.length && !startsOption(words[i + 1])) values.push(words[++i] as string)
    else if (i + 1 < words.length && !startsOption(words[i + 1])) values.push(words[++i] as string)
    if (values.length === 0) throw new UsageError('MissingParameter', `--${name} needs a value.`)
    out.params.push({ flag: `--${name}`, path, values })
  }
  return out
}

function readGlobal(
  out: KmsArgv,
  name: string,
  inline: string | undefined,
  words: readonly string[],
  i: number,
  model: readonly ApiField[] | undefined,
): number {
  const spec = globalOption(name)
  if (!spec) {
    // `--keyId` is far more likely a parameter typed in the wrong case than an option.
    const param = model?.find((f) => f.name.toLowerCase() === name.split('.')[0]?.toLowerCase())
    if (param)
      throw new UsageError(
        'UnknownParameter',
        `--${name} is not a parameter; did you mean --${param.name}${name.slice(param.name.length)}?`,
      )
    const close = closestName(name, GLOBAL_NAMES)
    throw new UsageError(
      'InvalidParameter',
      `Unknown option --${name}${close ? `; did you mean --${close}?` : '.'} (API parameters start with a capital: --KeyId.)`,
    )
  }
  if (out.globals.has(name)) throw new UsageError('InvalidParameter', `--${name} is given twice.`)
  if (spec.support === 'refused')
    throw new UsageError('InvalidParameter', `--${name} is not supported by keyward: ${spec.note}.`)
  let value: string | true
  if (spec.arity === 'flag') {
    if (inline !== undefined) throw new UsageError('InvalidParameter', `--${name} takes no value.`)
    value = true
  } else if (inline !== undefined) {
    value = inline
  } else if (spec.arity === 'optional') {
    const next = words[i + 1]
    const takesNext =
      next !== undefined && (spec.choices ? spec.choices.includes(next) : /^\d{4}-\d{2}-\d{2}$/.test(next))
    value = takesNext ? (words[++i] as string) : true
  } else {
    const next = words[i + 1]
    if (next === undefined || startsOption(next)) throw new UsageError('MissingParameter', `--${name} needs a value.`)
    value = next
    i++
  }
  if (typeof value === 'string' && spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(
      'InvalidParameterValue',
      `--${name} must be one of ${spec.choices.join(', ')}; got ${JSON.stringify(value)}.`,
    )
  }
  out.globals.set(name, value)
  return i
}
