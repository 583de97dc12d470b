import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  KeywardError,
  inventoryEntry,
  listAllKeys,
  zeroize,
  type DeploymentFacts,
  type KeyAdministration,
  type KeyInventoryEntry,
} from '@keyward/core'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import { defaultStoreConfig, homeRootKey, openServerStore } from './open-server-store.js'
import { auditMacKey, disposeAuditMacKeys } from './store/audit-hash.js'
import { parseAuditCheckpoint, verifyAuditChain } from './store/audit-verify.js'
import { PostgresKeyStore } from './store/sql-key-store.js'
import { text, type SqlDb } from './store/sql-db.js'

/** Options of {@link inventoryHome}. */
export interface HomeInventoryOptions {
  /** The data directory of `keyward serve` / `keyward kms`. */
  home: string
  /** Where keys live when not the home's software store (a PKCS#11 provider): only listed, not closed here. */
  provider?: Pick<KeyAdministration, 'listKeys'>
  /** How the report names where key material lives. */
  location: string
  /** A checkpoint (the text `keyward audit checkpoint` printed) the audit log must extend. */
  checkpoint?: string
  env?: Readonly<Record<string, string | undefined>>
}

/** What a data directory holds, for `keyward compliance report`: every account's keys and the audit log's state. */
export interface HomeInventory {
  readonly keys: readonly KeyInventoryEntry[]
  readonly audit: NonNullable<DeploymentFacts['audit']>
  readonly accounts: number
}

async function owners(db: SqlDb): Promise<Map<string, { alias: string; account: string }>> {
  const names = new Map(
    (await db.all('SELECT account_id, name FROM srv_accounts')).map((r) => [text(r, 'account_id'), text(r, 'name')]),
  )
  const out = new Map<string, { alias: string; account: string }>()
  for (const r of await db.all('SELECT key_id, account_id, alias FROM srv_key_owners')) {
    out.set(text(r, 'key_id'), {
      alias: text(r, 'alias'),
      account: names.get(text(r, 'account_id')) ?? text(r, 'account_id'),
    })
  }
  return out
}

/**
 * Reads a data directory — the server store read-only (accounts, who owns which key, the
 * audit log verified with the root key's MAC, against a checkpoint when given) and every key of its provider — the
 * software store `keys.db` by default — with the owning account and alias. Keys the provider holds that no
 * account owns are listed too (account `(none)`): a report shows everything there is.
 *
 * @example
 * ```ts
 * const location = 'software (SQLite), sealed under the root key'
 * const inv = await inventoryHome({ home: '/var/lib/keyward', location })
 * ```
 */
export async function inventoryHome(o: HomeInventoryOptions): Promise<HomeInventory> {
  const storeConfig = defaultStoreConfig(o.home, o.env)
  if ('sqlite' in storeConfig && !existsSync(storeConfig.sqlite)) {
    throw new KeywardError(
      'InvalidParameterValue',
      `No server store in ${o.home} (expected ${storeConfig.sqlite}); use --home.`,
    )
  }
  let root: Buffer
  try {
    root = homeRootKey(o.home)
  } catch (e) {
    throw new KeywardError(
      'InvalidParameterValue',
      `The report needs the root key (KEYWARD_ROOT_KEY or ${join(o.home, 'root.key')}) to check the audit log's MACs.`,
      { cause: e },
    )
  }
  const macKey = auditMacKey(root)
  const store = await openServerStore(storeConfig, { readOnly: true })
  let owned: SoftwareKeyProvider | undefined
  try {
    const checkpoint = o.checkpoint === undefined ? undefined : parseAuditCheckpoint(o.checkpoint, macKey)
    const v = await verifyAuditChain(store, { macKey, ...(checkpoint ? { checkpoint } : {}) })
    const [legacy] = await store.db.all("SELECT COUNT(*) AS n FROM srv_audit WHERE action = 'LegacyDecrypt'")
    const byKey = await owners(store.db)
    const accounts = (await store.db.all('SELECT account_id FROM srv_accounts')).length
    if (!o.provider) {
      const keysDb = join(o.home, 'keys.db')
      const keyStore =
        'postgres' in storeConfig
          ? await PostgresKeyStore.open(storeConfig.postgres)
          : existsSync(keysDb)
            ? SqliteKeyStore.open(keysDb)
            : undefined
      owned = keyStore && new SoftwareKeyProvider({ store: keyStore, rootKey: RootKey.fromBytes(root) })
    }
    const provider = o.provider ?? owned
    const keys = provider
      ? (await listAllKeys(provider)).map((k) => {
          const owner = byKey.get(k.keyId)
          return inventoryEntry(k, o.location, owner?.account ?? '(none)', owner?.alias ?? k.alias)
        })
      : []
    return {
      keys,
      accounts,
      audit: {
        ok: v.ok,
        entries: v.entries,
        ...(v.reason ? { reason: v.reason } : {}),
        hashes: { 'SHA-256': v.hashes.sha256, SM3: v.hashes.sm3 },
        ...(checkpoint
          ? { checkpoint: { createdAt: checkpoint.createdAt, entries: checkpoint.entries, ok: v.ok } }
          : {}),
        legacyDecrypts: Number(legacy?.['n'] ?? 0),
      },
    }
  } finally {
    await owned?.close()
    await store.close()
    disposeAuditMacKeys(macKey)
    zeroize(root)
  }
}
