/**
 * @packageDocumentation
 * Envelope encryption: Keyward's framed, key-committing message format over one or more master keys
 * (docs/message-format.md), streaming both ways with constant memory, atomic file helpers with progress, a
 * data-key cache (off by default), JSON field encryption, optional header signatures, and the legacy FaceID
 * codec (never a default).
 *
 * @example
 * ```ts
 * import { EnvelopeClient, Keyring, ProviderMasterKey } from '@keyward/flows/envelope'
 * const keyring = new Keyring([
 *   new ProviderMasterKey({ provider: tencentKms, keyId: cloudKeyId }), // generates the data key
 *   new ProviderMasterKey({ provider: hsm, keyId: hsmKeyId }),          // DR copy
 * ])
 * const client = new EnvelopeClient({ keyring, cache: { maxAgeMs: 60_000 } })
 * const message = await client.encrypt(bytes, { encryptionContext: { user: 'u1' } })
 * await pipeline(createReadStream('in'), client.createEncryptStream(), createWriteStream('in.kwe'))
 * ```
 */
export type { ByteSource } from './chunk-reader.js'
export * from './data-key-cache.js'
export * from './envelope-client.js'
export * from './envelope-options.js'
export * from './file-helpers.js'
export * from './encrypted-data-key.js'
export type { MessageInfo } from './decrypt-message.js'
export type { ProgressCallback } from './encrypt-message.js'
export {
  HEADER_SIGNATURE_IDS,
  MAX_FRAME_LENGTH,
  MESSAGE_VERSION,
  type HeaderSignatureAlgorithm,
} from './header-format.js'
export * from './header-signer.js'
export type { TrustedSigner } from './signer-policy.js'
export { KMS_ENCRYPT_KEY } from './json-paths.js'
export type { JsonFieldsEncryptOptions } from './json-fields.js'
export type { JsonFieldIndexer } from './json-field-indexes.js'
export * from './keyring.js'
export type { FailedDecryptAttempt, KeyringCounters } from './keyring-counters.js'
export * from './legacy-face-id-codec.js'
export * from './asymmetric-master-key.js'
export * from './master-key.js'
export * from './provider-master-key.js'
export * from './raw-aes-master-key.js'
export { DEFAULT_SUITE, SUITE_NAMES, type SuiteName } from './suites.js'
