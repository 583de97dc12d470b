import { INSPECT, KeywardError, type CallOptions, type ProviderCapabilities } from '@keyward/core'
import { tencentKmsCapabilities } from './capabilities.js'
import { resolveOptions, type ResolvedOptions, type TencentKmsOptions } from './config.js'
import { KmsCaller, type CallStats } from './kms-caller.js'
import type { KmsResponse } from './kms-client.js'

/**
 * What every Tencent KMS call shares: resolved options, the caller (retry, timeouts, error mapping), the
 * closed flag, and a printable form that never includes credentials.
 */
export abstract class TencentKmsProviderBase {
  readonly name: string
  readonly capabilities: ProviderCapabilities
  /** The region every call goes to. */
  readonly region: string
  protected readonly options: ResolvedOptions
  readonly #caller: KmsCaller
  #closed = false

  constructor(options: TencentKmsOptions = {}) {
    this.options = resolveOptions(options)
    this.name = this.options.name
    this.region = this.options.region
    this.capabilities = tencentKmsCapabilities(this.options.symmetricKeySpecs)
    this.#caller = new KmsCaller({
      client: this.options.clientSupplier(this.region),
      requestTimeoutMs: this.options.requestTimeoutMs,
      retry: this.options.retry,
      ...(this.options.onAttempt ? { onAttempt: this.options.onAttempt } : {}),
    })
  }

  /** Calls, attempts and failures so far (attempts − calls = retries). */
  get stats(): Readonly<CallStats> {
    return this.#caller.stats
  }

  /** Marks the provider closed; the SDK holds no session to release (its HTTP agent is shared). */
  async close(): Promise<void> {
    this.#closed = true
  }

  /** Calls a KMS Action (Tencent field names in and out). Throws a KeywardError on failure. */
  protected async call(action: string, req: Readonly<Record<string, unknown>>, opts?: CallOptions): Promise<KmsResponse> {
    this.ensureOpen()
    return this.#caller.call(action, req, opts)
  }

  /** Precondition: the provider is not closed. */
  protected ensureOpen(): void {
    if (this.#closed) throw new KeywardError('FailedOperation.ProviderUnavailable', `The ${this.name} provider is closed.`)
  }

  toJSON(): { name: string; region: string; endpoint: string } {
    return { name: this.name, region: this.region, endpoint: this.options.endpoint }
  }

  [INSPECT](): string {
    return `TencentKmsKeyProvider { name: '${this.name}', region: '${this.region}', endpoint: '${this.options.endpoint}' }`
  }
}
