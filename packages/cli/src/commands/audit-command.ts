import { readFileSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { KeywardError, needs, zeroize } from '@keyward/core'
import type { AuditCheckpoint, AuditMacKeys, AuditVerification, StoreConfig } from '@keyward/server'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'
import { EXIT_FAILURE } from '../cli-error.js'
import { auditLogCommands } from './audit-log-commands.js'

/** The server store of a data directory, as `keyward serve` opens it (PostgreSQL when KEYWARD_POSTGRES_URL is set). */
function storeOf(home: string): StoreConfig {
  const pg = process.env['KEYWARD_POSTGRES_URL']
  if (pg) return { postgres: pg }
  const file = join(home, 'server.db')
  // Opening would create an empty store, which would "verify": say instead that there is nothing to check.
  if (!existsSync(file))
    throw new KeywardError('InvalidParameterValue', `No server store in ${home} (expected ${file}); use --home.`)
  return { sqlite: file }
}

/** The audit MAC key of a data directory: from the root key (KEYWARD_ROOT_KEY or <home>/root.key), never created. */
async function macKeyOf(home: string): Promise<AuditMacKeys> {
  const { auditMacKey, homeRootKey } = await import('@keyward/server')
  let root: Buffer
  try {
    root = homeRootKey(home)
  } catch (e) {
    throw new KeywardError(
      'InvalidParameterValue',
      `Checking the audit MACs needs the root key (KEYWARD_ROOT_KEY or ${join(home, 'root.key')}).`,
      { cause: e },
    )
  }
  try {
    return auditMacKey(root)
  } finally {
    zeroize(root)
  }
}

/** Reads the chain read-only (never migrating or writing) and verifies it, against a checkpoint when given. */
async function verifyStore(
  config: StoreConfig,
  macKey: AuditMacKeys,
  checkpoint?: AuditCheckpoint,
): Promise<AuditVerification> {
  const { openServerStore, verifyAuditChain } = await import('@keyward/server')
  const store = await openServerStore(config, { readOnly: true })
  try {
    return await verifyAuditChain(store, { macKey, ...(checkpoint ? { checkpoint } : {}) })
  } finally {
    await store.close()
  }
}

/** The text of a checkpoint file (`--checkpoint`): a regular file of at most 64 KiB. */
export function checkpointText(file: string): string {
  let size: number
  try {
    const st = statSync(file)
    needs(st.isFile(), 'InvalidParameterValue', `--checkpoint ${file} is not a regular file.`)
    size = st.size
  } catch (e) {
    if (e instanceof KeywardError) throw e
    throw new KeywardError('InvalidParameterValue', `--checkpoint ${file} cannot be read.`, { cause: e })
  }
  needs(size <= 64 * 1024, 'InvalidParameterValue', `--checkpoint ${file} is too large to be a checkpoint.`)
  return readFileSync(file, 'utf8')
}

async function readCheckpoint(file: string, macKey: AuditMacKeys): Promise<AuditCheckpoint> {
  const { parseAuditCheckpoint } = await import('@keyward/server')
  return parseAuditCheckpoint(checkpointText(file), macKey)
}

/** Zeroes the audit MAC keys. */
function disposeKeys(keys: AuditMacKeys): void {
  zeroize(keys.sha256)
  if (keys.sm3) zeroize(keys.sm3)
}

/** ` (12 SHA-256, 30 SM3)` when SM3 entries are present (a log that ran under the gm profile), else ''. */
function hashesNote(r: AuditVerification): string {
  return r.hashes.sm3 > 0 ? ` (${r.hashes.sha256} SHA-256, ${r.hashes.sm3} SM3)` : ''
}

function tampered(io: CliIo, r: AuditVerification): void {
  io.err.write(`audit log TAMPERED at entry #${r.firstBadSeq}: ${r.reason} (${r.entries} entries before it verify)\n`)
}

/**
 * `keyward audit verify [--checkpoint FILE]`: checks the hash chain and the MAC of every entry (a key derived from
 * the root key) of the audit log in the data directory, read-only; exit 1 naming the first bad entry when an entry
 * was edited, inserted or removed, the log cut, wiped or dropped, or — with a checkpoint — no longer extending it.
 * `keyward audit checkpoint`: prints a signed checkpoint (entry count, head hash) to keep outside the database.
 */
export function auditCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  const audit = new Command('audit').description('Audit log of the embedded KMS / keyward serve')
  // The store first (a home without one has nothing to verify), then the root key its MACs need.
  const open = async (): Promise<{ config: StoreConfig; macKey: AuditMacKeys }> => {
    const { home } = await resolveConfig({ ...globals(), endpoint: undefined, region: undefined })
    const config = storeOf(home)
    return { config, macKey: await macKeyOf(home) }
  }
  audit
    .command('verify')
    .description(
      'Check the hash chain and MACs of the audit log in $KEYWARD_HOME, read-only (exit 1 and the first bad entry when tampered)',
    )
    .option('--checkpoint <file>', 'a checkpoint printed by `keyward audit checkpoint`: the log must still extend it')
    .action(async (o: { checkpoint?: string }) => {
      const { config, macKey } = await open()
      try {
        const checkpoint = o.checkpoint === undefined ? undefined : await readCheckpoint(o.checkpoint, macKey)
        const r = await verifyStore(config, macKey, checkpoint)
        if (!r.ok) {
          tampered(io, r)
          setExit(EXIT_FAILURE)
          return
        }
        const anchored = checkpoint
          ? `; extends the checkpoint of ${checkpoint.createdAt} (${checkpoint.entries} entries)`
          : ''
        io.out.write(`audit log ok: ${r.entries} entries, hash chain and MACs intact${hashesNote(r)}${anchored}\n`)
      } finally {
        disposeKeys(macKey)
      }
    })
  audit
    .command('checkpoint')
    .description('Print a signed checkpoint of the audit log (entries, head hash) to store outside the database')
    .addHelpText(
      'after',
      '\nExample:\n  keyward audit checkpoint > /secure/elsewhere/audit-$(date +%F).json\n  keyward audit verify --checkpoint /secure/elsewhere/audit-2025-01-01.json',
    )
    .action(async () => {
      const { config, macKey } = await open()
      try {
        const r = await verifyStore(config, macKey)
        if (!r.ok) {
          tampered(io, r)
          setExit(EXIT_FAILURE)
          return
        }
        const { signAuditCheckpoint } = await import('@keyward/server')
        io.out.write(
          `${JSON.stringify(signAuditCheckpoint(r.entries, r.headHash!, macKey, undefined, r.headHashAlg))}\n`,
        )
      } finally {
        disposeKeys(macKey)
      }
    })
  for (const c of auditLogCommands(globals, io)) audit.addCommand(c)
  return audit
}
