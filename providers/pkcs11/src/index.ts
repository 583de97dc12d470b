/**
 * @packageDocumentation
 * Pkcs11KeyProvider: Keyward's KeyProvider over a PKCS#11 token (HSM; SoftHSM2 in tests) with graphene-pk11.
 * Keys are generated in the token, sensitive and non-extractable by default; a session pool lets concurrent
 * calls run in parallel; vendor mechanisms (国密 SM4) are mapped per instance.
 *
 * @example
 * ```ts
 * import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
 * const hsm = new Pkcs11KeyProvider({ tokenLabel: 'keyward', pinEnv: 'HSM_PIN' })
 * const { keyId } = await hsm.createKey({ alias: 'orders' })
 * const dk = await hsm.generateDataKey({ keyId })
 * ```
 */
export { Pkcs11KeyProvider, type Pkcs11CreateKeyRequest } from './pkcs11-key-provider.js'
export { DEFAULT_MODULE_PATHS, type Pkcs11ProviderOptions } from './config.js'
export {
  VENDOR_MECHANISM_NAMES,
  parseVendorMechanisms,
  type VendorMechanism,
  type VendorMechanismMap,
  type VendorMechanismSpec,
} from './vendor-mechanisms.js'
export { planFor, type SymmetricScheme, type TokenPlan } from './token-plan.js'
export {
  FEATURE_NEEDS,
  describeNeed,
  meets,
  missingNeeds,
  type Feature,
  type MechanismFlag,
  type Need,
} from './token-needs.js'
export {
  OPTIONAL_FUNCTIONS,
  mechanismName,
  type MechanismInfo,
  type OptionalFunction,
  type TokenFacts,
} from './token-facts.js'
export { ETM_DERIVATION } from './etm-crypto.js'
export { probeToken, type ProbeOptions, type ProbeOutcome, type ProbeReport } from './token-probe.js'
