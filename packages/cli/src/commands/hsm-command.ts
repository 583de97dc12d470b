import { Command, Option } from 'commander'
import { KeywardError } from '@keyward/core'
import type { probePkcs11Token } from '@keyward/container'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'
import { EXIT_FAILURE } from '../cli-error.js'

type ProbeReport = Awaited<ReturnType<typeof probePkcs11Token>>

interface ProbeFlags {
  module?: string
  libraryParameters?: string
  token?: string
  pinEnv?: string
  output: 'json' | 'table'
}

/** One line per outcome: `works (detail)`, `missing: what the token lacks`, `FAILED: Code [CKR_…]: message`. */
function outcomeText(o: ProbeReport['features'][number]['outcome']): string {
  switch (o.status) {
    case 'works':
      return `works (${o.detail})`
    case 'missing':
      return `missing: ${o.missing}`
    case 'not tried':
      return `not tried: ${o.reason}`
    case 'failed':
      return `FAILED: ${o.code}${o.backendCode ? ` [${o.backendCode}]` : ''}: ${o.message}`
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length))

/** The report as a reader scans it: token, functions, mechanisms, then the feature table. */
function table(r: ProbeReport, readOnly: boolean): string {
  const lines = [
    `Library:   ${r.library.description} ${r.library.version} (${r.library.manufacturer}, Cryptoki ${r.library.cryptoki})`,
    `Token:     "${r.token.label}"  model ${r.token.model}, ${r.token.manufacturer}, serial ${r.token.serial || '-'}`,
    `Functions: ${Object.entries(r.functions)
      .map(([f, ok]) => `${f} ${ok ? 'yes' : 'NO'}`)
      .join(', ')}`,
    '',
    `Mechanisms (${r.mechanisms.length}):`,
    ...r.mechanisms.map(
      (m) => `  ${pad(m.name, 30)}${pad(m.type, 12)}${pad(`${m.minKeySize}-${m.maxKeySize}`, 14)}${m.flags.join('|')}`,
    ),
    '',
    `Derived capabilities: ${r.capabilities.keyUsages.join(', ') || 'none'}`,
    `  symmetric ${r.capabilities.symmetricKeySpecs.join(', ') || '-'}; sign ${r.capabilities.signAlgorithms.join(', ') || '-'}; decrypt ${r.capabilities.asymmetricDecryptAlgorithms.join(', ') || '-'}; BYOK ${r.capabilities.wrappingAlgorithms.join(', ') || '-'}; rotation ${r.capabilities.keyRotation ? 'yes' : 'no'}`,
    '',
    `Keyward features${readOnly ? ' (read-only: no PIN given, nothing created)' : ' (tried on temporary keys, deleted afterwards)'}:`,
    ...r.features.map((f) => `  ${pad(f.feature, 46)}${outcomeText(f.outcome)}`),
  ]
  if (r.objectsLeft !== undefined) lines.push('', `Objects left on the token: ${r.objectsLeft}`)
  return `${lines.join('\n')}\n`
}

/** --pin-env names a variable that must be set: a typo must not silently turn the probe read-only. */
function pinOf(pinEnv: string | undefined): string | undefined {
  if (pinEnv === undefined) return undefined
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(pinEnv))
    throw new KeywardError(
      'InvalidParameterValue',
      `--pin-env ${JSON.stringify(pinEnv)} is not an environment variable name.`,
    )
  const pin = process.env[pinEnv]
  if (!pin) throw new KeywardError('InvalidParameterValue', `--pin-env ${pinEnv}: the variable is not set (or empty).`)
  return pin
}

/**
 * `keyward hsm probe`: what a PKCS#11 token (a vendor HSM under evaluation) can do for Keyward — its info and
 * mechanism list, the capabilities Keyward derives, and each feature tried for real on temporary keys that are
 * deleted afterwards. Without --pin-env it only reads. Exit 1 when a feature the token declares fails, or when
 * objects were left behind.
 */
export function hsmCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  const hsm = new Command('hsm').description('PKCS#11 tokens (HSMs): what Keyward can do with one')
  hsm
    .command('probe')
    .description(
      "Print a token's info, mechanisms and the Keyward features that work on it (tried on temporary keys, always deleted)",
    )
    .option('--module <path>', 'the PKCS#11 module (.so); default pkcs11.module of the config / KEYWARD_PKCS11_MODULE')
    .option(
      '--library-parameters <string>',
      'C_Initialize init string (NSS softokn: "configdir=\'sql:DIR\' ..."); default from the config',
    )
    .option('--token <label>', 'token label (default pkcs11.tokenLabel of the config, else the first token)')
    .option('--pin-env <VAR>', 'environment variable holding the user PIN; without it the probe only reads')
    .addOption(new Option('--output <format>', 'json or table').choices(['json', 'table']).default('table'))
    .addHelpText(
      'after',
      '\nExample:\n  HSM_PIN=... keyward hsm probe --module /opt/vendor/lib/libpkcs11.so --token prod --pin-env HSM_PIN',
    )
    .action(async (o: ProbeFlags) => {
      const pin = pinOf(o.pinEnv)
      const c = (await resolveConfig({ ...globals(), endpoint: undefined, region: undefined })).pkcs11
      const modulePath = o.module ?? c.module
      if (!modulePath)
        throw new KeywardError(
          'MissingParameter',
          'Give --module <path of the PKCS#11 .so> (or pkcs11.module in the config).',
        )
      const libraryParameters = o.libraryParameters ?? c.libraryParameters
      // Commander hands `--token` to the root program (tccli's session-token option, accepted anywhere on the line),
      // so `hsm probe --token prod` arrives there: for this command it is the token's label.
      const tokenLabel = o.token ?? globals().token ?? c.tokenLabel
      const { probePkcs11Token } = await import('@keyward/container')
      // Ctrl-C or a TERM stops the trials, not the cleanup: the keys made so far are deleted before the exit.
      const interrupt = new AbortController()
      const stop = (): void => {
        if (!interrupt.signal.aborted) io.err.write("interrupted: deleting the probe's temporary keys...\n")
        interrupt.abort()
      }
      process.on('SIGINT', stop).on('SIGTERM', stop)
      let report: ProbeReport
      try {
        report = await probePkcs11Token({
          modulePath,
          ...(libraryParameters !== undefined ? { libraryParameters } : {}),
          ...(tokenLabel !== undefined ? { tokenLabel } : {}),
          ...(pin !== undefined ? { pin } : {}),
          signal: interrupt.signal,
        })
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop)
      }
      io.out.write(o.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : table(report, pin === undefined))
      if (report.features.some((f) => f.outcome.status === 'failed') || (report.objectsLeft ?? 0) > 0)
        setExit(EXIT_FAILURE)
      if (interrupt.signal.aborted) setExit(130)
    })
  return hsm
}
