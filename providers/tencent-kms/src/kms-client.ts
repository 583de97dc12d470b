/**
 * The one seam between the provider and the Tencent Cloud SDK: a structural client with a single `request`
 * method, and a supplier that gives one per region (as the AWS Encryption SDK's KMS keyring takes
 * `(region) => client`). The provider's logic depends only on this, so it can be exercised against any
 * object that speaks the KMS 2019-01-18 API, and the SDK itself stays in `sdk-client.ts`.
 */

/** A KMS API response with its `Response` envelope removed (`RequestId` and the action's fields). */
export type KmsResponse = Readonly<Record<string, unknown>>

/** Per-request options a client must honour. */
export interface KmsRequestOptions {
  /** Cancels the request in flight (the SDK passes it to its HTTP client). */
  signal?: AbortSignal
  /**
   * How long one request may take, ms. A client must fail the request after it (the SDK client is built with
   * this as its `reqTimeout`; node-fetch then fails with `network timeout at ...`, mapped to
   * FailedOperation.Timeout and retried).
   */
  timeoutMs?: number
}

/**
 * What the provider needs from a KMS client. The Tencent SDK's `AbstractClient.request(action, req, options)`
 * has exactly this shape; errors it throws are mapped by `mapTencentError`.
 *
 * @example
 * ```ts
 * const client: KmsClient = { request: async (action, req) => ({ RequestId: 'r-1', KeyId: 'k' }) }
 * ```
 */
export interface KmsClient {
  request(action: string, req: Readonly<Record<string, unknown>>, options: KmsRequestOptions): Promise<KmsResponse>
}

/** Gives the client for a region; called once per provider (and region). */
export type KmsClientSupplier = (region: string) => KmsClient

/** A supplier that makes one client per region, on first use, with `make`. */
export function perRegion(make: (region: string) => KmsClient): KmsClientSupplier {
  const clients = new Map<string, KmsClient>()
  return (region) => {
    let client = clients.get(region)
    if (!client) {
      client = make(region)
      clients.set(region, client)
    }
    return client
  }
}
