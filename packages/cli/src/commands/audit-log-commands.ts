import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command, Option } from 'commander'
import { KeywardError } from '@keyward/core'
import type { SqlDb, SqlRow, SqlValue } from '@keyward/server'
import { UsageError } from '../cli-error.js'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'
import { onInterrupt } from '../io/interrupts.js'

interface LogFilter {
  since?: string
  action?: string
  keyId?: string
  account?: string
  output: 'text' | 'json'
}

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `--since`: ISO 8601, Unix seconds, or a duration back from now (`90s`, `15m`, `2h`, `7d`). */
export function sinceOf(value: string, nowMs: number): number {
  const rel = /^(\d{1,9})([smhd])$/.exec(value)
  if (rel) return nowMs - Number(rel[1]) * (UNITS[rel[2] as string] as number)
  const ms = /^\d{1,12}$/.test(value) ? Number(value) * 1000 : Date.parse(value)
  if (!Number.isFinite(ms))
    throw new UsageError(
      'InvalidParameterValue',
      `--since ${JSON.stringify(value)}: expected an ISO 8601 time, Unix seconds, or 90s / 15m / 2h / 7d.`,
    )
  return ms
}

async function openLog(globals: GlobalOptions): Promise<{ db: SqlDb; close(): Promise<void> }> {
  const { home } = await resolveConfig({ ...globals, endpoint: undefined, region: undefined, profile: undefined })
  const pg = process.env['KEYWARD_POSTGRES_URL']
  const file = join(home, 'server.db')
  // Opening would create an empty store: say instead that there is nothing to read.
  if (!pg && !existsSync(file))
    throw new KeywardError('InvalidParameterValue', `No server store in ${home} (expected ${file}); use --home.`)
  const { openServerStore } = await import('@keyward/server')
  return openServerStore(pg ? { postgres: pg } : { sqlite: file })
}

/** The WHERE clause of the filters (values bound, never spliced into the SQL). */
async function whereOf(db: SqlDb, f: LogFilter): Promise<{ sql: string; params: SqlValue[] }> {
  const parts: string[] = []
  const params: SqlValue[] = []
  const add = (clause: string, value: SqlValue): void => {
    parts.push(clause)
    params.push(value)
  }
  if (f.since !== undefined) add('time >= ?', sinceOf(f.since, Date.now()))
  if (f.action !== undefined) add('action = ?', f.action)
  if (f.keyId !== undefined) add('key_id = ?', f.keyId)
  if (f.account !== undefined) {
    const rows = await db.all('SELECT account_id FROM srv_accounts WHERE name = ?', [f.account])
    if (rows.length === 0)
      throw new KeywardError('InvalidParameterValue', `No account named ${JSON.stringify(f.account)} in this store.`)
    add('account_id = ?', rows[0]?.['account_id'] ?? '')
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params }
}

/** Prints entries as text lines or JSON lines (one object per line: `jq -c` and `tail -f` friendly). */
function printer(db: SqlDb, io: CliIo, output: LogFilter['output']): (rows: SqlRow[]) => Promise<void> {
  const names = new Map<string, string>()
  return async (rows) => {
    if (rows.some((r) => !names.has(String(r['account_id'])))) {
      for (const a of await db.all('SELECT account_id, name FROM srv_accounts'))
        names.set(String(a['account_id']), String(a['name']))
    }
    for (const r of rows) {
      const e = {
        seq: Number(r['seq']),
        time: new Date(Number(r['time'])).toISOString(),
        accountName: names.get(String(r['account_id'])) ?? '',
        accountId: String(r['account_id']),
        action: String(r['action']),
        keyId: String(r['key_id']),
        result: String(r['result']),
        requestId: String(r['request_id']),
        source: String(r['source_ip']),
        hash: String(r['hash']),
      }
      io.out.write(
        output === 'json'
          ? `${JSON.stringify(e)}\n`
          : `#${e.seq}  ${e.time}  ${e.accountName || e.accountId}  ${e.action}  ${e.keyId || '-'}  ${e.result}  ${e.requestId}  ${e.source}\n`,
      )
    }
  }
}

function logCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--since <time>', 'entries at or after: ISO 8601, Unix seconds, or 90s / 15m / 2h / 7d ago')
    .option('--action <Action>', 'only this Action (e.g. Decrypt)')
    .option('--key-id <KeyId>', 'only requests on this key')
    .option('--account <name>', 'only requests of this account')
    .addOption(
      new Option('--output <format>', 'text lines, or JSON lines (one object per line)')
        .choices(['text', 'json'])
        .default('text'),
    )
}

/**
 * `keyward audit list` (the whole log, oldest first, filtered) and `keyward audit tail [-n N] [--follow]` (the last
 * entries, then new ones as they are appended): reading the hash-chained audit log, not only verifying it.
 */
export function auditLogCommands(globals: () => GlobalOptions, io: CliIo): Command[] {
  const list = logCommand('list', 'Print audit log entries, oldest first').action(async (f: LogFilter) => {
    const log = await openLog(globals())
    try {
      const where = await whereOf(log.db, f)
      const print = printer(log.db, io, f.output)
      for (let after = 0; ; ) {
        const rows = await log.db.all(`SELECT * FROM srv_audit WHERE seq > ?${where.sql} ORDER BY seq LIMIT 1000`, [
          after,
          ...where.params,
        ])
        if (rows.length === 0) break
        await print(rows)
        after = Number(rows[rows.length - 1]?.['seq'])
      }
    } finally {
      await log.close()
    }
  })
  const tail = logCommand('tail', 'Print the last audit log entries; --follow prints new ones until Ctrl-C')
    .option('-n, --lines <n>', 'how many entries (default 10)', '10')
    .option('-f, --follow', 'keep printing entries as they are appended')
    .action(async (f: LogFilter & { lines: string; follow?: boolean }) => {
      if (!/^\d{1,6}$/.test(f.lines))
        throw new UsageError('InvalidParameterValue', `--lines ${JSON.stringify(f.lines)}: expected a number.`)
      const log = await openLog(globals())
      const stop = onInterrupt(() => undefined)
      try {
        const where = await whereOf(log.db, f)
        const print = printer(log.db, io, f.output)
        const last = await log.db.all(`SELECT * FROM srv_audit WHERE seq > 0${where.sql} ORDER BY seq DESC LIMIT ?`, [
          ...where.params,
          Number(f.lines),
        ])
        await print(last.reverse())
        let after = Number(
          last[last.length - 1]?.['seq'] ?? (await log.db.all('SELECT MAX(seq) AS m FROM srv_audit'))[0]?.['m'] ?? 0,
        )
        while (f.follow) {
          await new Promise((r) => setTimeout(r, 1000))
          const rows = await log.db.all(`SELECT * FROM srv_audit WHERE seq > ?${where.sql} ORDER BY seq LIMIT 1000`, [
            after,
            ...where.params,
          ])
          await print(rows)
          if (rows.length) after = Number(rows[rows.length - 1]?.['seq'])
        }
      } finally {
        stop()
        await log.close()
      }
    })
  return [list, tail]
}
