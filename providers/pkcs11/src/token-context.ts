import type { VendorMechanismMap } from './vendor-mechanisms.js'
import type { SessionPool } from './session-pool.js'
import type { TokenObjects } from './token-objects.js'
import type { TokenPlan } from './token-plan.js'

/**
 * What the operation modules share: the session pool, the object-handle cache, this token's vendor map, and the
 * plan derived from the token's mechanisms (`plan()` connects on first use and throws ProviderUnavailable when
 * the token cannot be reached; later calls return the cached plan).
 */
export interface TokenContext {
  readonly pool: SessionPool
  readonly objects: TokenObjects
  readonly vendor: VendorMechanismMap
  plan(): TokenPlan
}
