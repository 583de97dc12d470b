import type { VendorMechanismMap } from './vendor-mechanisms.js'
import type { SessionPool } from './session-pool.js'
import type { TokenObjects } from './token-objects.js'

/** What the operation modules share: the session pool, the object-handle cache and this token's vendor map. */
export interface TokenContext {
  readonly pool: SessionPool
  readonly objects: TokenObjects
  readonly vendor: VendorMechanismMap
}
