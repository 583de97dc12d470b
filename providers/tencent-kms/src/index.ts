/**
 * @packageDocumentation
 * `TencentKmsKeyProvider`: Keyward's KeyProvider over Tencent Cloud KMS (API 2019-01-18), through
 * tencentcloud-sdk-nodejs (kms service only, loaded on first call) behind a small structural client.
 *
 * @example
 * ```ts
 * import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
 * const kms = new TencentKmsKeyProvider({ region: 'ap-shanghai', retry: { deadlineMs: 5_000 } })
 * const key = await kms.createKey({ alias: 'orders' })
 * ```
 */
export { TencentKmsKeyProvider } from './tencent-kms-key-provider.js'
export { tencentKmsCapabilities } from './capabilities.js'
export { resolveOptions, type TencentKmsOptions, type ResolvedOptions } from './config.js'
export {
  TencentCredentials,
  resolveCredentials,
  type CredentialsInput,
  type CredentialEnvironment,
} from './credentials.js'
export { mapTencentError } from './error-mapping.js'
export { classifyKmsFailure } from './retry-classification.js'
export { KmsCaller, type AttemptEvent, type CallStats, type KmsCallerOptions } from './kms-caller.js'
export type { KmsClient, KmsClientSupplier, KmsRequestOptions, KmsResponse } from './kms-client.js'
export { sdkClientSupplier, loadKmsSdk, type SdkClientOptions } from './sdk-client.js'
export { signedClientSupplier, type SignedHttpOptions } from './signed-http-client.js'
export { tc3Authorization, SIGNED_HEADERS, type Tc3SigningInput } from './tc3-signing.js'
export { toKeyMetadata, toRotationStatus } from './metadata-mapping.js'
