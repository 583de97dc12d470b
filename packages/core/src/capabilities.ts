import type {
  AsymmetricEncryptionAlgorithm,
  KeyUsage,
  SignAlgorithm,
  SymmetricKeySpec,
  WrappingAlgorithm,
} from './algorithms.js'
import { KeywardError } from './errors.js'

/** What a provider can do. Callers and the conformance suite read it; nothing is faked behind it. */
export interface ProviderCapabilities {
  readonly keyUsages: readonly KeyUsage[]
  /** Symmetric specs for ENCRYPT_DECRYPT keys (SoftHSM: AES_256 only; 国密 HSMs and software: SM4 too). */
  readonly symmetricKeySpecs: readonly SymmetricKeySpec[]
  readonly signAlgorithms: readonly SignAlgorithm[]
  readonly asymmetricDecryptAlgorithms: readonly AsymmetricEncryptionAlgorithm[]
  /** Empty when the provider cannot import key material. */
  readonly wrappingAlgorithms: readonly WrappingAlgorithm[]
  readonly keyRotation: boolean
  /** Free-form notes on limits (e.g. "OAEP-SHA-256 decrypt unsupported by SoftHSM 2.6"). */
  readonly notes?: readonly string[]
}

type CapabilityList =
  | 'keyUsages'
  | 'symmetricKeySpecs'
  | 'signAlgorithms'
  | 'asymmetricDecryptAlgorithms'
  | 'wrappingAlgorithms'

/** Throws UnsupportedOperation unless `value` is in the provider's capability list `list`. */
export function requireCapability<K extends CapabilityList>(
  providerName: string,
  caps: ProviderCapabilities,
  list: K,
  value: ProviderCapabilities[K][number],
): void {
  if (!(caps[list] as readonly string[]).includes(value)) {
    throw new KeywardError('UnsupportedOperation', `The ${providerName} provider does not support ${value} (${list}).`)
  }
}
