import { KeywardError, isKeywardError } from '@keyward/core'
import { mapTencentError, resolveOptions, type KmsClient, type TencentKmsOptions } from '@keyward/provider-tencent-kms'
import type { KmsEnvelope, KmsTransport } from './kms-transport.js'

/** The SDK's exception fields we read. */
interface SdkError {
  code?: unknown
  message?: unknown
  requestId?: unknown
}

/**
 * Tencent Cloud KMS or any compatible endpoint (`keyward serve`) through the real SDK client's
 * `request(Action, params)`: credentials from the config, TENCENTCLOUD_SECRET_ID/KEY or tccli's profile.
 */
export class RemoteTransport implements KmsTransport {
  /** For messages: `endpoint (region)`. */
  readonly target: string
  readonly #client: KmsClient

  /**
   * `options` as the container's `tencentOptions(config)` gives them; checked (region name, endpoint, http only on
   * loopback, credentials present) by the provider's own `resolveOptions`, which also builds the SDK client.
   */
  constructor(options: TencentKmsOptions) {
    const resolved = resolveOptions(options)
    this.target = `${resolved.endpoint} (${resolved.region})`
    this.#client = resolved.clientSupplier(resolved.region)
  }

  async call(action: string, params: Readonly<Record<string, unknown>>): Promise<KmsEnvelope> {
    try {
      return { Response: { ...(await this.#client.request(action, params, {})) } }
    } catch (e) {
      const err = (e ?? {}) as SdkError
      // An API error answered by the service: keep Tencent's own code, as tccli prints it.
      if (!isKeywardError(e) && typeof err.code === 'string' && err.code) {
        return {
          Response: {
            Error: { Code: err.code, Message: String(err.message ?? '') },
            RequestId: String(err.requestId ?? ''),
          },
        }
      }
      const mapped = mapTencentError(e, action)
      throw new KeywardError(mapped.code, `${this.target}: ${mapped.message}`, { cause: e })
    }
  }

  async close(): Promise<void> {}
}
