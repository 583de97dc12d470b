import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { KeywardError, isKeywardErrorCode, zeroize } from '@keyward/core'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'

/**
 * `keyward account rotate-secret [--account NAME]`: an operator who holds the data directory and its root key
 * issues a new SecretKey for an account (default `admin`) — the way back when the dev credentials shown at first
 * start are lost, or to rotate them. Runs the RotateAccountSecret Action in-process as the directory's admin
 * account, so it is audited like any request; the old SecretKey stops working (within 2 s on running servers).
 */
export function accountCommand(globals: () => GlobalOptions, io: CliIo): Command {
  const account = new Command('account').description('Accounts of the embedded KMS / keyward serve (operator tools)')
  account
    .command('rotate-secret')
    .description('Issue a new SecretKey for an account of $KEYWARD_HOME (shown once; the old one stops working)')
    .option('--account <name>', 'the account (default admin)', 'admin')
    .addHelpText(
      'after',
      '\nExample:\n  keyward account rotate-secret                 # the admin account\n  keyward account rotate-secret --account app-1',
    )
    .action(async (o: { account: string }) => {
      const { home } = await resolveConfig({ ...globals(), endpoint: undefined, region: undefined })
      const { homeRootKey, openLocalKms } = await import('@keyward/server')
      // Never create a store or a root key here: rotating in an empty directory would mint an unrelated admin.
      if (!process.env['KEYWARD_POSTGRES_URL'] && !existsSync(join(home, 'server.db'))) {
        throw new KeywardError(
          'InvalidParameterValue',
          `No server store in ${home} (expected ${join(home, 'server.db')}); use --home.`,
        )
      }
      zeroize(homeRootKey(home))
      const kms = await openLocalKms({ home, source: 'cli' })
      try {
        const { Response } = await kms.call('RotateAccountSecret', { AccountName: o.account })
        const error = Response['Error'] as { Code: string; Message: string } | undefined
        if (error) throw new KeywardError(isKeywardErrorCode(error.Code) ? error.Code : 'InternalError', error.Message)
        io.out.write(
          `new SecretKey for account ${o.account} (shown once; the old one no longer works):\n  SecretId:  ${String(Response['SecretId'])}\n  SecretKey: ${String(Response['SecretKey'])}\n`,
        )
      } finally {
        await kms.close()
      }
    })
  return account
}
