import type { CallOptions, ProviderCapabilities } from '@keyward/core'
import type { KmsResponse } from './kms-client.js'

/**
 * What the Tencent provider's operation modules work with: the provider's name and capabilities, and `call`, which
 * sends one KMS Action (Tencent field names in and out) through the provider's KmsCaller (retry, timeouts, error
 * mapping) and refuses once the provider is closed. The provider builds it; modules never see credentials.
 */
export interface KmsContext {
  readonly name: string
  readonly capabilities: ProviderCapabilities
  call(action: string, req: Readonly<Record<string, unknown>>, opts?: CallOptions): Promise<KmsResponse>
}

/** An Action whose only parameter is the KeyId (EnableKey, RotateKey, GetPublicKey, ...). */
export function keyAction(kms: KmsContext, action: string, keyId: string, opts?: CallOptions): Promise<KmsResponse> {
  return kms.call(action, { KeyId: keyId }, opts)
}
