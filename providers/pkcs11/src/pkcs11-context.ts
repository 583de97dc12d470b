import type { KeyObject } from 'node:crypto'
import { unixSeconds, type Clock, type KeyStore } from '@keyward/core'
import type { ResolvedPkcs11Options } from './config.js'
import { InvalidatingKeyStore } from './invalidating-key-store.js'
import { KeyLocks } from './key-locks.js'
import { MetadataCache } from './metadata-cache.js'
import { SessionPool } from './session-pool.js'
import type { TokenConnection } from './token-connection.js'
import type { TokenContext } from './token-context.js'
import { TokenObjects } from './token-objects.js'
import { planFor, type TokenPlan } from './token-plan.js'
import { VersionRefs } from './version-refs.js'

/**
 * Everything the operation modules of one {@link Pkcs11KeyProvider} share, passed to them explicitly: the token
 * side ({@link TokenContext}: session pool, object handles, vendor map, plan) and the key side (the store seen
 * through the metadata cache, the clock, version references, per-key locks, public-key cache).
 *
 * @example
 * ```ts
 * const open = (): void => needs(!closed, 'FailedOperation.ProviderUnavailable', 'closed')
 * const ctx = createPkcs11Context(resolved, connection, open)
 * const meta = await usableKey(ctx, keyId)
 * ```
 */
export interface Pkcs11Context extends TokenContext {
  /** The instance name, for error messages. */
  readonly name: string
  /** The key store; every write drops the key's cached metadata (InvalidatingKeyStore). */
  readonly store: KeyStore
  readonly clock: Clock
  /** Key metadata of recent cryptographic calls (`metadataCacheMs`). */
  readonly metadata: MetadataCache
  /** CKA_IDs of key versions, cached. */
  readonly versions: VersionRefs
  /** Alias writes, BYOK steps and rotations that must not interleave. */
  readonly locks: KeyLocks
  /** Public keys of asymmetric versions by CKA_ID (hex). */
  readonly publicKeys: Map<string, KeyObject>
  /** Throws FailedOperation.ProviderUnavailable once the provider is closed. */
  assertOpen(): void
}

/** Builds the context of a provider over `connection`; `assertOpen` reads the provider's own closed flag. */
export function createPkcs11Context(
  options: ResolvedPkcs11Options,
  connection: TokenConnection,
  assertOpen: () => void,
): Pkcs11Context {
  const pool = new SessionPool(connection, options.poolSize)
  const objects = new TokenObjects()
  // A recovered module has new object handles: the cached ones would name nothing, or something else.
  pool.onRecover = () => objects.clear()
  const metadata = new MetadataCache(options.metadataCacheMs)
  const store = new InvalidatingKeyStore(options.store, metadata)
  let plan: TokenPlan | undefined
  return {
    name: options.name,
    pool,
    objects,
    vendor: options.vendor,
    plan: () => (plan ??= planFor(connection.facts(), options.vendor)),
    store,
    clock: options.clock,
    metadata,
    versions: new VersionRefs(store),
    locks: new KeyLocks(),
    publicKeys: new Map(),
    assertOpen,
  }
}

/** Unix seconds on the provider's clock. */
export function nowSeconds(ctx: Pkcs11Context): number {
  return unixSeconds(ctx.clock)
}
