import { createInterface } from 'node:readline'
import { Command } from 'commander'
import { UsageError } from '../cli-error.js'
import type { CliIo, GlobalOptions } from '../cli-session.js'
import { defaultProfileName, readProfile, removeProfile, writeProfileFile, type ProfileFile } from '../tccli-profile.js'

/** What tccli keeps in `<profile>.credential` and in `_sys_param` of `<profile>.configure` (tccli/configure.py). */
const CRED_KEYS = ['secretId', 'secretKey', 'token']
const SYS_KEYS = ['region', 'output', 'arrayCount', 'warning', 'language', 'request-client']
const SECRET = new Set(['secretId', 'secretKey', 'token'])
/** What a new profile holds, as `tccli configure` writes it. */
const NEW_CONFIGURE = {
  _sys_param: { region: 'ap-guangzhou', output: 'json', arrayCount: 10, warning: 'off' },
  kms: { endpoint: 'kms.tencentcloudapi.com', version: '2019-01-18' },
}

/** tccli's mask: 16 asterisks and the last four characters. */
function mask(value: string): string {
  return `${'*'.repeat(16)}${value.slice(-4)}`
}

function section(file: ProfileFile, name: string): Record<string, unknown> {
  const s = file[name]
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? { ...(s as Record<string, unknown>) } : {}
}

function checkSetting(key: string, value: string): void {
  if (key === 'output' && !['json', 'text', 'table'].includes(value))
    throw new UsageError('InvalidParameterValue', 'output must be json, text or table.')
  if (!CRED_KEYS.includes(key) && !SYS_KEYS.includes(key) && !/^[a-z][a-z0-9]*\.(endpoint|version)$/.test(key)) {
    throw new UsageError(
      'InvalidParameter',
      `Unknown setting ${JSON.stringify(key)}: secretId, secretKey, token, ${SYS_KEYS.join(', ')}, or <service>.endpoint / <service>.version.`,
    )
  }
}

/** Applies `key value` pairs to a profile's two files, as `tccli configure set` does. */
function setValues(profile: string, pairs: readonly string[]): void {
  if (pairs.length === 0 || pairs.length % 2 !== 0)
    throw new UsageError(
      'InvalidParameter',
      'Expected key value pairs: keyward configure set region ap-guangzhou output json',
    )
  const current = readProfile(profile)
  const configure: ProfileFile = current.exists ? { ...current.configure } : structuredClone(NEW_CONFIGURE)
  const credential: ProfileFile = { ...current.credential }
  let touchedConf = !current.exists
  let touchedCred = false
  for (let i = 0; i < pairs.length; i += 2) {
    const [key, value] = [pairs[i] as string, pairs[i + 1] as string]
    checkSetting(key, value)
    if (CRED_KEYS.includes(key)) {
      credential[key] = value
      touchedCred = true
    } else if (SYS_KEYS.includes(key)) {
      configure['_sys_param'] = {
        ...section(configure, '_sys_param'),
        [key]: key === 'arrayCount' && /^\d+$/.test(value) ? Number(value) : value,
      }
      touchedConf = true
    } else {
      const [service, field] = key.split('.') as [string, string]
      configure[service] = { ...section(configure, service), [field]: value }
      touchedConf = true
    }
  }
  if (touchedConf) writeProfileFile(profile, 'configure', configure)
  if (touchedCred) writeProfileFile(profile, 'credential', credential)
}

function lookup(profile: string, key: string): string | undefined {
  const p = readProfile(profile)
  const sys = section(p.configure, '_sys_param')
  const raw =
    key in sys
      ? sys[key]
      : key in p.credential
        ? p.credential[key]
        : key.includes('.')
          ? section(p.configure, key.split('.')[0] as string)[key.split('.')[1] as string]
          : undefined
  return raw === undefined || raw === null || raw === '' ? undefined : String(raw)
}

/** Interactive `keyward configure`: the four prompts of `tccli configure`; Enter keeps the value shown. */
async function prompt(profile: string, io: CliIo): Promise<void> {
  const rl = createInterface({ input: process.stdin, terminal: false })
  // The iterator buffers lines, so answers piped in all at once are not lost between questions.
  const lines = rl[Symbol.asyncIterator]()
  try {
    const ask = async (label: string, shown: string): Promise<string> => {
      io.out.write(`${label}[${shown}]: `)
      const next = await lines.next()
      return next.done ? '' : String(next.value).trim()
    }
    const id = lookup(profile, 'secretId')
    const key = lookup(profile, 'secretKey')
    const answers: string[] = []
    const secretId = await ask('TencentCloud API secretId', id ? `*${id.slice(-4)}` : 'None')
    const secretKey = await ask('TencentCloud API secretKey', key ? `*${key.slice(-4)}` : 'None')
    const region = await ask('Default region name', lookup(profile, 'region') ?? 'ap-guangzhou')
    const output = await ask('Default output format', lookup(profile, 'output') ?? 'json')
    if (secretId) answers.push('secretId', secretId)
    if (secretKey) answers.push('secretKey', secretKey)
    answers.push('region', region || (lookup(profile, 'region') ?? 'ap-guangzhou'))
    answers.push('output', ['json', 'text', 'table'].includes(output) ? output : (lookup(profile, 'output') ?? 'json'))
    setValues(profile, answers)
  } finally {
    rl.close()
  }
}

/**
 * `keyward configure [list | get | set | remove]`: tccli's profile files (`~/.tccli/<profile>.configure` and
 * `.credential`), read and written in tccli's format, so an existing `tccli configure` works unchanged and `keyward
 * configure` output is what tccli reads. Secrets are masked on display; the files are written 0600.
 */
export function configureCommand(globals: () => GlobalOptions, io: CliIo): Command {
  const profileOf = (): string => globals().profile ?? defaultProfileName()
  const configure = new Command('configure')
    .description('Read and write tccli profiles (~/.tccli): credentials, region and output for --profile / remote KMS')
    .addHelpText(
      'after',
      '\nExamples:\n  keyward configure                       # prompts, as tccli configure\n  keyward configure set region ap-shanghai output table\n  keyward --profile prod configure list',
    )
    .action(async () => prompt(profileOf(), io))
  configure
    .command('list')
    .description('Show the profile (secrets masked)')
    .action(() => {
      const p = readProfile(profileOf())
      io.out.write('credential:\n')
      for (const k of CRED_KEYS)
        if (typeof p.credential[k] === 'string' && p.credential[k])
          io.out.write(`${k} = ${mask(p.credential[k] as string)}\n`)
      io.out.write('configure:\n')
      const sys = section(p.configure, '_sys_param')
      for (const k of SYS_KEYS) if (sys[k] !== undefined && sys[k] !== '') io.out.write(`${k} = ${String(sys[k])}\n`)
      const kms = section(p.configure, 'kms')
      if (kms['version'] !== undefined)
        io.out.write(`kms.version = ${String(kms['version'])}\nkms.endpoint = ${String(kms['endpoint'])}\n`)
    })
  configure
    .command('get')
    .description('Print settings (secretId, region, kms.endpoint ...)')
    .argument('<names...>')
    .action((names: string[]) => {
      for (const name of names) {
        const value = lookup(profileOf(), name)
        if (value === undefined)
          throw new UsageError('InvalidParameterValue', `${name} is not set in profile ${profileOf()}.`)
        io.out.write(`${name} = ${SECRET.has(name) ? mask(value) : value}\n`)
      }
    })
  configure
    .command('set')
    .description('Set settings: keyward configure set region ap-guangzhou output json')
    .argument('<pairs...>')
    .action((pairs: string[]) => setValues(profileOf(), pairs))
  configure
    .command('remove')
    .description("Delete the profile's two files")
    .action(() => {
      for (const missing of removeProfile(profileOf())) io.err.write(`profile file ${missing} does not exist\n`)
    })
  return configure
}
