import { closestName, modelledActions, requestModel } from '@keyward/server/api-models'
import { EXIT_FAILURE, UsageError, tccliErrorLine } from '../cli-error.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { readCliInputJson } from '../kms/cli-input-json.js'
import { splitKmsArgv, type KmsArgv } from '../kms/kms-argv.js'
import { actionHelp, kmsHelp, requestSkeleton } from '../kms/kms-help.js'
import { compileFilter, formatResponse, type OutputFormat } from '../kms/output/format-output.js'
import { buildRequest } from '../kms/request-params.js'
import { responseError } from '../kms-transport.js'
import { defaultProfileName, profileField, readProfile } from '../tccli-profile.js'

/** The only API version of Tencent KMS (`--version 2019-01-18`, as tccli takes it). */
export const KMS_API_VERSION = '2019-01-18'

const GLOBAL_KEYS = [
  'home',
  'config',
  'provider',
  'endpoint',
  'region',
  'profile',
  'secretId',
  'secretKey',
  'token',
  'timeout',
  'compliance',
] as const

function globalsOf(argv: KmsArgv): GlobalOptions {
  const g: GlobalOptions = {}
  for (const key of GLOBAL_KEYS) {
    const v = argv.globals.get(key)
    if (typeof v === 'string') g[key] = v
  }
  if (argv.globals.get('quiet') === true) g.quiet = true
  if (argv.globals.get('allow-legacy-decrypt') === true) g.allowLegacyDecrypt = true
  return g
}

/** `--output`, else the tccli profile's output (as tccli reads it even without --profile), else json. */
function outputFormat(argv: KmsArgv): OutputFormat {
  const given = argv.globals.get('output')
  if (typeof given === 'string') return given as OutputFormat
  const profile = argv.globals.get('profile')
  try {
    const fromProfile = profileField(
      readProfile(typeof profile === 'string' ? profile : defaultProfileName()).configure,
      '_sys_param',
      'output',
    )
    return fromProfile === 'table' || fromProfile === 'text' ? fromProfile : 'json'
  } catch {
    return 'json' // an unreadable profile is reported when it is used for credentials, not for a display default
  }
}

function checkAction(action: string): void {
  if (requestModel(action)) return
  const close = closestName(action, modelledActions())
  throw new UsageError(
    'InvalidAction',
    `The Action ${action} does not exist${close ? `; did you mean ${close}?` : ''} (keyward kms help lists them).`,
  )
}

/**
 * `keyward [options] kms <Action> [--Param value ...] [options]`: tccli's command line, checked against the SDK's
 * request model before anything is sent, run on the embedded KMS (or the remote one named explicitly), printed as
 * tccli prints: the response model without the `{"Response": ...}` wrapper, through `--filter` and `--output`.
 * API errors print tccli's `[TencentCloudSDKException] code:... message:... requestId:...` with exit status 1.
 *
 * @example
 * ```ts
 * await runKms(['CreateKey', '--Alias', 'orders', '--filter', 'KeyId', '--output', 'text'], io) // prints the KeyId
 * ```
 */
export async function runKms(
  words: readonly string[],
  io: CliIo,
  version: string,
  terminalWidth?: number,
): Promise<number> {
  const argv = splitKmsArgv(words)
  const apiVersion = argv.globals.get('version')
  if (apiVersion === true) {
    io.out.write(`${version}\n`)
    return 0
  }
  if (apiVersion !== undefined && apiVersion !== KMS_API_VERSION) {
    throw new UsageError(
      'InvalidParameterValue',
      `--version ${apiVersion}: the KMS API has one version, ${KMS_API_VERSION}.`,
    )
  }
  if (argv.action === undefined) {
    if (!argv.help)
      throw new UsageError(
        'MissingParameter',
        'Missing the Action: keyward kms <Action> [--Param value ...] (keyward kms help lists them).',
      )
    io.out.write(kmsHelp())
    return 0
  }
  checkAction(argv.action)
  if (argv.help) {
    io.out.write(actionHelp(argv.action) ?? '')
    return 0
  }
  if (argv.globals.has('generate-cli-skeleton')) {
    io.out.write(`${JSON.stringify(requestSkeleton(argv.action), null, 4)}\n`)
    return 0
  }
  const input = argv.globals.get('cli-input-json')
  const request = buildRequest(argv.action, argv.params, typeof input === 'string' ? readCliInputJson(input) : {})
  const format = outputFormat(argv)
  const filterText = argv.globals.get('filter')
  const filter = typeof filterText === 'string' ? compileFilter(filterText) : undefined
  const action = argv.action
  return withSession(globalsOf(argv), io, async (session) => {
    const envelope = await session.transport.call(action, request)
    const err = responseError(envelope)
    if (err) {
      io.err.write(tccliErrorLine(err.code, err.message, err.requestId))
      return EXIT_FAILURE
    }
    const body = envelope.Response
    io.out.write(formatResponse(filter ? filter(body) : body, format, terminalWidth))
    return 0
  })
}
