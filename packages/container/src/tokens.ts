import type { KeywardConfig } from './config-schema.js'

/**
 * The service identifier of the injected KeyProvider. Apps depend on this symbol and the `KeyProvider`
 * interface of the same name, never on a concrete provider: swapping Tencent KMS for an HSM is configuration.
 */
export const KeyProvider: unique symbol = Symbol.for('keyward.KeyProvider')
/** Service identifier of the validated configuration. */
export const KeywardConfigToken: unique symbol = Symbol.for('keyward.Config')

export type { KeywardConfig }
