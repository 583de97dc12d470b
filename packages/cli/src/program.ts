import { createRequire } from 'node:module'
import { Command } from 'commander'
import type { CliIo, GlobalOptions } from './cli-session.js'
import { reportError } from './cli-error.js'
import { accountCommand } from './commands/account-command.js'
import { auditCommand } from './commands/audit-command.js'
import { complianceCommand } from './commands/compliance-command.js'
import { configureCommand } from './commands/configure-command.js'
import { decryptCommand, encryptCommand } from './commands/envelope-commands.js'
import { hsmCommand } from './commands/hsm-command.js'
import { importKeyCommand } from './commands/import-key-command.js'
import { runKms } from './commands/kms-command.js'
import { serveCommand } from './commands/serve-command.js'
import { signCommand, verifyCommand } from './commands/signature-commands.js'
import { globalOption } from './kms/global-options.js'

/** The version of this CLI (package.json). */
export const CLI_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version

/**
 * `keyward kms`, listed in `keyward --help`; its words are parsed by {@link runKms}, which takes tccli's options
 * anywhere.
 */
function kmsPlaceholder(): Command {
  return new Command('kms')
    .description("Run a Tencent KMS API Action with tccli's syntax (keyward kms help: Actions and tccli options)")
    .argument('<Action>', 'e.g. CreateKey, Encrypt, SignByAsymmetricKey')
    .argument('[params...]', '--Name value pairs (Tencent API parameter names), tccli options')
}

/** The `keyward` command tree (commander), writing to `io`; `setExit` records a failure status. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('keyward')
  const globals = (): GlobalOptions => program.opts<GlobalOptions>()
  program
    .description(
      'Keyward: tccli-compatible KMS commands, envelope file encryption, signatures, BYOK, audit, keyward serve',
    )
    .version(CLI_VERSION, '--version', 'print the version')
    .option('--home <dir>', 'data directory of the embedded KMS (default $KEYWARD_HOME or ~/.keyward)')
    .option('--config <file>', 'config file (default keyward.config.json/.yaml in . or the home)')
    .option('--provider <name>', 'software (default) or pkcs11 behind the embedded KMS, or tencent-kms')
    .option('--endpoint <host:port>', 'a remote KMS endpoint, e.g. 127.0.0.1:8300 (keyward serve)')
    .option('--region <region>', 'Tencent Cloud KMS in this region')
    .option('--profile <name>', 'a tccli profile (~/.tccli/<name>.configure/.credential): Tencent Cloud KMS')
    .option('--secretId <id>', 'SecretId for a remote KMS (else TENCENTCLOUD_SECRET_ID or the profile)')
    .option('--secretKey <key>', 'SecretKey for a remote KMS (else TENCENTCLOUD_SECRET_KEY or the profile)')
    .option('--token <token>', 'session token of temporary credentials')
    .option('--timeout <seconds>', 'request timeout for a remote KMS')
    .option('--quiet', 'do not print the remote target (nor the CMK that decrypted a file) on stderr')
    .option(
      '--compliance <profile>',
      'compliance profile: gm (SM2/SM3/SM4 only), fips or none; tightens the config and KEYWARD_COMPLIANCE, never loosens them',
    )
    .option(
      '--allow-legacy-decrypt',
      'under a profile, still decrypt data made with algorithms it refuses (migrations; every use audited)',
    )
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => void io.out.write(s), writeErr: (s) => void io.err.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
  for (const cmd of [
    kmsPlaceholder(),
    encryptCommand(globals, io),
    decryptCommand(globals, io),
    signCommand(globals, io),
    verifyCommand(globals, io, setExit),
    importKeyCommand(globals, io),
    hsmCommand(globals, io, setExit),
    auditCommand(globals, io, setExit),
    complianceCommand(globals, io, setExit),
    configureCommand(globals, io),
    serveCommand(globals, io),
    accountCommand(globals, io),
  ]) {
    program.addCommand(cmd)
  }
  return program
}

/**
 * The words for {@link runKms} when the command is `kms` (or `help kms`): options before it and everything after,
 * without the word `kms` itself. Undefined for any other command.
 */
function kmsWords(argv: readonly string[]): string[] | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === 'kms') return [...argv.slice(0, i), ...argv.slice(i + 1)]
    if (word === 'help' && argv[i + 1] === 'kms') return [...argv.slice(0, i), 'help', ...argv.slice(i + 2)]
    if (!word.startsWith('--')) return undefined
    const spec = globalOption(word.slice(2).split('=')[0] as string)
    if (!spec) return undefined
    if (spec.arity === 'value' && !word.includes('=')) i++
  }
  return undefined
}

/**
 * Runs `keyward` with `argv` (user arguments, without node and script); resolves to the exit status. Never throws:
 * errors are printed as `error: <Code>: <message>` (API errors of `keyward kms` as tccli prints them).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['kms', 'CreateKey', '--Alias', 'test'])
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let status = 0
  try {
    const kms = kmsWords(argv)
    if (kms) return await runKms(kms, io, CLI_VERSION, process.stdout.isTTY ? process.stdout.columns : undefined)
    const program = buildProgram(io, (code) => {
      status = code
    })
    // Subcommands, at every depth, inherit the output and exit handling of the root.
    const inherit = (parent: Command): void => {
      for (const cmd of parent.commands) {
        cmd.configureOutput(program.configureOutput()).exitOverride().configureHelp({ showGlobalOptions: true })
        inherit(cmd)
      }
    }
    inherit(program)
    await program.parseAsync([...argv], { from: 'user' })
    return status
  } catch (e) {
    return reportError(e, io.err)
  }
}
