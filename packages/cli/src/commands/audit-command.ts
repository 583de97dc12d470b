import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { KeywardError } from '@keyward/core'
import type { StoreConfig } from '@keyward/server'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'
import { EXIT_FAILURE } from '../cli-error.js'
import { auditLogCommands } from './audit-log-commands.js'

/** The server store of a data directory, as `keyward serve` opens it (PostgreSQL when KEYWARD_POSTGRES_URL is set). */
function storeOf(home: string): StoreConfig {
  const pg = process.env['KEYWARD_POSTGRES_URL']
  if (pg) return { postgres: pg }
  const file = join(home, 'server.db')
  // Opening would create an empty store, which would "verify": say instead that there is nothing to check.
  if (!existsSync(file)) throw new KeywardError('InvalidParameterValue', `No server store in ${home} (expected ${file}); use --home.`)
  return { sqlite: file }
}

/**
 * `keyward audit verify`: recomputes the hash chain of the audit log in the data directory; exit 1 naming the
 * first bad entry when an entry was edited, inserted, removed or the log truncated.
 */
export function auditCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  const audit = new Command('audit').description('Audit log of the embedded KMS / keyward serve')
  audit
    .command('verify')
    .description('Check the hash chain of the audit log in $KEYWARD_HOME (exit 1 and the first bad entry when tampered)')
    .action(async () => {
      const { home } = await resolveConfig({ ...globals(), endpoint: undefined, region: undefined })
      const { openServerStore, verifyAuditChain } = await import('@keyward/server')
      const store = await openServerStore(storeOf(home))
      try {
        const r = await verifyAuditChain(store)
        if (r.ok) {
          io.out.write(`audit log ok: ${r.entries} entries, hash chain intact\n`)
        } else {
          io.err.write(`audit log TAMPERED at entry #${r.firstBadSeq}: ${r.reason} (${r.entries} entries before it verify)\n`)
          setExit(EXIT_FAILURE)
        }
      } finally {
        await store.close()
      }
    })
  for (const c of auditLogCommands(globals, io)) audit.addCommand(c)
  return audit
}
