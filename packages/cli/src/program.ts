import { Command } from 'commander'
import type { CliIo, GlobalOptions } from './cli-session.js'
import { reportError } from './cli-error.js'
import { auditCommand } from './commands/audit-command.js'
import { decryptCommand, encryptCommand } from './commands/envelope-commands.js'
import { hsmCommand } from './commands/hsm-command.js'
import { importKeyCommand } from './commands/import-key-command.js'
import { kmsCommand } from './commands/kms-command.js'
import { serveCommand } from './commands/serve-command.js'
import { signCommand, verifyCommand } from './commands/signature-commands.js'

/** The `keyward` command tree (commander), writing to `io`; `setExit` records a failure status. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('keyward')
  const globals = (): GlobalOptions => program.opts<GlobalOptions>()
  program
    .description('Keyward: tccli-compatible KMS commands, envelope file encryption, signatures, BYOK, audit, keyward serve')
    .option('--home <dir>', 'data directory (default $KEYWARD_HOME or ~/.keyward)')
    .option('--config <file>', 'config file (default keyward.config.json/.yaml in . or the home)')
    .option('--provider <name>', 'software (default) or pkcs11 behind the embedded KMS, or tencent-kms')
    .option('--endpoint <host:port>', 'a remote KMS endpoint, e.g. 127.0.0.1:8300 (keyward serve); credentials from TENCENTCLOUD_SECRET_ID/KEY')
    .option('--region <region>', 'Tencent Cloud region (with the real service: kms.tencentcloudapi.com)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => void io.out.write(s), writeErr: (s) => void io.err.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
  for (const cmd of [
    kmsCommand(globals, io, setExit),
    encryptCommand(globals, io),
    decryptCommand(globals, io),
    signCommand(globals, io),
    verifyCommand(globals, io, setExit),
    importKeyCommand(globals, io),
    hsmCommand(globals, io, setExit),
    auditCommand(globals, io, setExit),
    serveCommand(globals, io),
  ]) {
    program.addCommand(cmd)
  }
  return program
}

/**
 * Runs `keyward` with `argv` (user arguments, without node and script); resolves to the exit status. Never throws:
 * errors are printed as `error: <Code>: <message>`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['kms', 'CreateKey', '--Alias', 'test'])
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  let status = 0
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
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return status
  } catch (e) {
    return reportError(e, io.err)
  }
}
