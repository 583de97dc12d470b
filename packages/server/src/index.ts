/**
 * @packageDocumentation
 * `keyward serve`: a Tencent-KMS-API-compatible KMS server over any KeyProvider — TC3-HMAC-SHA256 auth, the
 * same Actions and JSON, accounts with policies and grants, hosted data keys, a hash-chained audit log, rate
 * limits and fault injection; state in SQLite or PostgreSQL.
 *
 * @example
 * ```ts
 * import { startServer } from '@keyward/server'
 * const server = await startServer({ provider, store: { sqlite: 'kms.db' }, rootKey })
 * console.log(server.url, server.initialAccount?.secretId)
 * ```
 */
export { startServer, type RunningServer, type ServerInternals, type ServerOptions } from './start-server.js'
export { runServe, type ServeOptions } from './run-serve.js'
export { AuditChain, GENESIS_HASH, entryHash, type AuditEntry, type AuditRecord } from './store/audit-chain.js'
export {
  AUDIT_HASHES,
  auditHashOf,
  auditMacKey,
  disposeAuditMacKeys,
  type AuditHash,
  type AuditMacKeys,
} from './store/audit-hash.js'
export {
  serverCompliance,
  recordLegacyDecryptInRequest,
  type ServerCompliance,
  type ServerComplianceOptions,
} from './server-compliance.js'
export {
  verifyAuditChain,
  parseAuditCheckpoint,
  signAuditCheckpoint,
  type AuditCheckpoint,
  type AuditVerification,
  type AuditVerifyOptions,
} from './store/audit-verify.js'
export { ServerStore, openDb, type OpenDbOptions, type StoreConfig } from './store/server-store.js'
export { openServerStore, homeRootKey, keywardHome } from './open-server-store.js'
export { SqlKeyStore, PostgresKeyStore } from './store/sql-key-store.js'
export { openPostgresDb, type PostgresConfig } from './store/postgres-db.js'
export { openSqliteDb } from './store/sqlite-db.js'
export type { SqlDb, SqlRow, SqlTx, SqlValue } from './store/sql-db.js'
export type { Account, NewAccount } from './store/accounts.js'
export {
  ALLOW_ALL,
  DENIED_ALSO_BY,
  isAllowed,
  checkPolicy,
  type AccountPolicy,
  type PolicyResource,
  type PolicyStatement,
} from './policy.js'
export { DEFAULT_RATE_LIMITS, type RateLimits } from './cluster/rate-limiter.js'
export { isLoopbackHost, readTlsMaterial, type TlsMaterial, type TlsOptions } from './tls-files.js'
export { FAULT_KINDS, type FaultKind, type FaultOptions } from './faults.js'
export { ACTIONS, GRANTABLE_ACTIONS } from './actions/index.js'
export { API_VERSION, MAX_SKEW_SECONDS } from './tc3-authenticator.js'
export { parseTc3Authorization, tc3Signature, verifyTc3 } from './protocol/tc3.js'
export { sealToPublicKey, SEAL_ALGORITHMS, type SealAlgorithm } from './seal-to-public-key.js'
export { openLocalKms, type LocalKms, type LocalKmsOptions } from './local-kms.js'
export { inventoryHome, type HomeInventory, type HomeInventoryOptions } from './home-inventory.js'
