import { KeywardError } from '@keyward/core'
import type { ClientProfile, DynamicCredential } from 'tencentcloud-sdk-nodejs/tencentcloud/common/interface.js'
import type { TencentCredentials } from './credentials.js'
import {
  perRegion,
  type KmsClient,
  type KmsClientSupplier,
  type KmsRequestOptions,
  type KmsResponse,
} from './kms-client.js'

/**
 * The only file that touches tencentcloud-sdk-nodejs. It loads just the kms service (≈ 0.1 s rather than
 * ≈ 0.5 s for the whole SDK), and only on the first request, so importing the provider stays cheap.
 */

type KmsModule = typeof import('tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js')
type SdkKmsClient = InstanceType<KmsModule['kms']['v20190118']['Client']>

let loading: Promise<KmsModule> | undefined

/** Imports the kms service of the SDK once per process; a missing or broken SDK is ProviderUnavailable. */
export function loadKmsSdk(): Promise<KmsModule> {
  loading ??= import('tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js').catch((cause: unknown) => {
    loading = undefined
    throw new KeywardError(
      'FailedOperation.ProviderUnavailable',
      'Cannot load tencentcloud-sdk-nodejs (kms service): is it installed?',
      { cause },
    )
  })
  return loading
}

/** How to reach Tencent KMS (or a compatible endpoint such as `keyward serve`). */
export interface SdkClientOptions {
  credentials: TencentCredentials
  /** host[:port]; default `kms.tencentcloudapi.com`. */
  endpoint?: string
  /** Default `https`. */
  protocol?: 'https' | 'http'
  /** Per-request timeout of the SDK's HTTP client, ms. */
  requestTimeoutMs: number
}

/**
 * A supplier of real SDK clients, one per region, created lazily.
 *
 * @example
 * ```ts
 * const supplier = sdkClientSupplier({ credentials: resolveCredentials(), requestTimeoutMs: 10_000 })
 * const client = supplier('ap-guangzhou')
 * ```
 */
export function sdkClientSupplier(options: SdkClientOptions): KmsClientSupplier {
  return perRegion((region) => new LazySdkClient(region, options))
}

/**
 * Creates the SDK client on first use; the SecretKey is revealed only inside the signing callback. The
 * per-request timeout is the SDK's `reqTimeout`, fixed when the client is made, so `options.timeoutMs` (always
 * the same value, from the same options) is not re-applied per request.
 */
class LazySdkClient implements KmsClient {
  #client: Promise<SdkKmsClient> | undefined
  readonly #region: string
  readonly #options: SdkClientOptions

  constructor(region: string, options: SdkClientOptions) {
    this.#region = region
    this.#options = options
  }

  async request(
    action: string,
    req: Readonly<Record<string, unknown>>,
    options: KmsRequestOptions,
  ): Promise<KmsResponse> {
    this.#client ??= this.#create().catch((e: unknown) => {
      this.#client = undefined
      throw e
    })
    const client = await this.#client
    return (await client.request(action, req, { signal: options.signal })) as KmsResponse
  }

  async #create(): Promise<SdkKmsClient> {
    const { kms } = await loadKmsSdk()
    const { credentials, endpoint, protocol, requestTimeoutMs } = this.#options
    // A DynamicCredential keeps the SecretKey out of the SDK client's own fields (and so out of dumps of it).
    const credential: DynamicCredential = {
      getCredential: async () => ({
        secretId: credentials.secretId,
        secretKey: credentials.secretKey.reveal(),
        ...(credentials.sessionToken ? { token: credentials.sessionToken.reveal() } : {}),
      }),
    }
    const profile: ClientProfile = {
      httpProfile: {
        ...(endpoint ? { endpoint } : {}),
        protocol: `${protocol ?? 'https'}://`,
        reqTimeout: requestTimeoutMs / 1000,
      },
    }
    return new kms.v20190118.Client({ credential, region: this.#region, profile })
  }

  toJSON(): { region: string; endpoint: string } {
    return { region: this.#region, endpoint: this.#options.endpoint ?? 'kms.tencentcloudapi.com' }
  }
}
