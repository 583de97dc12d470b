import type { AsymmetricEncryptionAlgorithm } from './algorithms.js'
import type { AsymmetricCrypto } from './asymmetric-crypto.js'
import type { KeyAdministration } from './key-administration.js'
import type { KeyImport } from './key-import.js'
import type { SymmetricCrypto } from './symmetric-crypto.js'

// The roles and their request/result types live next to each other; this file is the one place they are joined.
export * from './asymmetric-crypto.js'
export * from './key-administration.js'
export * from './key-import.js'
export * from './key-provider-base.js'
export * from './symmetric-crypto.js'

/**
 * Everything a backend can do: the union of the four roles — {@link KeyAdministration},
 * {@link SymmetricCrypto}, {@link AsymmetricCrypto} and {@link KeyImport} — over {@link KeyProviderBase}. Software
 * keys, a PKCS#11 HSM and Tencent Cloud KMS all implement it. Method names are Tencent KMS Actions in camelCase.
 *
 * Take the narrowest role you use (a flow that only seals data keys takes `SymmetricCrypto`, or a `Pick` of it);
 * take `KeyProvider` only when you need everything (a server, a console). A provider that cannot do something
 * declares it in `capabilities` — the roles it plays follow from that map ({@link declaredRoles}) — and throws
 * `KeywardError('UnsupportedOperation')` for the rest; it never fakes it.
 *
 * @example
 * ```ts
 * const key = await provider.createKey({ alias: 'orders' })
 * const { ciphertextBlob } = await provider.encrypt({ keyId: key.keyId, plaintext: Buffer.from('card 4111') })
 * const { plaintext } = await provider.decrypt({ ciphertextBlob })
 * ```
 */
export interface KeyProvider extends KeyAdministration, SymmetricCrypto, AsymmetricCrypto, KeyImport {}

/** The KeyProvider methods that are KMS Actions — all but `close` — with the Tencent Action each one is. */
export const PROVIDER_ACTIONS = {
  createKey: 'CreateKey',
  describeKey: 'DescribeKey',
  listKeys: 'ListKeyDetail',
  updateAlias: 'UpdateAlias',
  updateKeyDescription: 'UpdateKeyDescription',
  enableKey: 'EnableKey',
  disableKey: 'DisableKey',
  scheduleKeyDeletion: 'ScheduleKeyDeletion',
  cancelKeyDeletion: 'CancelKeyDeletion',
  enableKeyRotation: 'EnableKeyRotation',
  disableKeyRotation: 'DisableKeyRotation',
  getKeyRotationStatus: 'GetKeyRotationStatus',
  rotateKey: 'RotateKey',
  archiveKey: 'ArchiveKey',
  cancelKeyArchive: 'CancelKeyArchive',
  encrypt: 'Encrypt',
  decrypt: 'Decrypt',
  reEncrypt: 'ReEncrypt',
  generateDataKey: 'GenerateDataKey',
  generateRandom: 'GenerateRandom',
  getPublicKey: 'GetPublicKey',
  asymmetricRsaDecrypt: 'AsymmetricRsaDecrypt',
  asymmetricSm2Decrypt: 'AsymmetricSm2Decrypt',
  signByAsymmetricKey: 'SignByAsymmetricKey',
  verifyByAsymmetricKey: 'VerifyByAsymmetricKey',
  getParametersForImport: 'GetParametersForImport',
  importKeyMaterial: 'ImportKeyMaterial',
  deleteImportedKeyMaterial: 'DeleteImportedKeyMaterial',
} as const satisfies Record<Exclude<keyof KeyProvider, 'name' | 'capabilities' | 'close'>, string>

/** A KeyProvider method that is a KMS Action. */
export type ProviderMethod = keyof typeof PROVIDER_ACTIONS

export type { AsymmetricEncryptionAlgorithm }
