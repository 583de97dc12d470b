/**
 * Software provider benchmark: Encrypt (1 KiB) and GenerateDataKey ops/s over MemoryKeyStore and SqliteKeyStore,
 * as ratios against raw Node AES-256-GCM of the same 1 KiB measured in this same run (no absolute targets).
 *   npx tsx bench/software.bench.ts            (npm run bench -- software)
 * Each figure is the best of several rounds, alternating candidate and baseline, because the machine is shared.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryKeyStore, type KeyStore } from '../packages/core/src/index.js'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '../providers/software/src/index.js'

const OPS = 2000
const ROUNDS = 5
const plaintext = randomBytes(1024)
const rawKey = randomBytes(32)

async function opsPerSecond(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = process.hrtime.bigint()
  for (let i = 0; i < OPS; i++) await fn()
  return OPS / (Number(process.hrtime.bigint() - t) / 1e9)
}

async function best(fns: Array<() => Promise<unknown> | unknown>): Promise<number[]> {
  const out = fns.map(() => 0)
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, f] of fns.entries()) out[i] = Math.max(out[i] as number, await opsPerSecond(f))
  return out
}

/** The baseline: what Encrypt does at its core, a fresh-nonce AES-256-GCM of 1 KiB, with nothing around it. */
function rawAesGcm(): Buffer {
  const c = createCipheriv('aes-256-gcm', rawKey, randomBytes(12))
  const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
  return out
}

async function measure(label: string, store: KeyStore): Promise<void> {
  const provider = new SoftwareKeyProvider({ store, rootKey: RootKey.fromBytes(randomBytes(32)) })
  const { keyId } = await provider.createKey({ alias: 'bench' })
  const encrypt = () => provider.encrypt({ keyId, plaintext, encryptionContext: { app: 'bench' } })
  const dataKey = async () => (await provider.generateDataKey({ keyId })).dispose()
  const { ciphertextBlob } = await encrypt()
  const decrypt = () => provider.decrypt({ ciphertextBlob, encryptionContext: { app: 'bench' } })
  const [raw, enc, gdk, dec] = await best([rawAesGcm, encrypt, dataKey, decrypt])
  const row = (name: string, ops: number): string =>
    `  ${name.padEnd(28)} ${ops.toFixed(0).padStart(8)} ops/s   ${(ops / (raw as number)).toFixed(3)} × raw AES-256-GCM`
  console.log(`${label}`)
  console.log(`  ${'raw AES-256-GCM 1 KiB'.padEnd(28)} ${(raw as number).toFixed(0).padStart(8)} ops/s   (baseline)`)
  console.log(row('Encrypt 1 KiB', enc as number))
  console.log(row('Decrypt 1 KiB', dec as number))
  console.log(row('GenerateDataKey AES_256', gdk as number))
  await provider.close()
}

const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-'))
try {
  await measure('SoftwareKeyProvider + MemoryKeyStore', new MemoryKeyStore())
  await measure(
    'SoftwareKeyProvider + SqliteKeyStore (WAL, synchronous=FULL)',
    SqliteKeyStore.open(join(dir, 'keys.db')),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
