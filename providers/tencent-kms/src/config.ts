import {
  DEFAULT_RETRY_POLICY,
  SYMMETRIC_KEY_SPECS,
  checkInt,
  checkOneOf,
  needs,
  type RetryPolicy,
  type SymmetricKeySpec,
} from '@keyward/core'
import type { AttemptEvent } from './kms-caller.js'
import type { KmsClientSupplier } from './kms-client.js'
import { resolveCredentials, type CredentialEnvironment, type CredentialsInput } from './credentials.js'
import { signedClientSupplier } from './signed-http-client.js'

/** Options of {@link TencentKmsKeyProvider}. Everything has a default; credentials are looked up when absent. */
export interface TencentKmsOptions {
  /** Default: TENCENTCLOUD_REGION, else `ap-guangzhou`. */
  region?: string
  /** Explicit SecretId/SecretKey(/sessionToken), or a profile / file to read; default: env, then profile files. */
  credentials?: CredentialsInput
  /** host[:port] of a private endpoint or `keyward serve`; default `kms.tencentcloudapi.com`. */
  endpoint?: string
  /** `http` is accepted for loopback endpoints only. Default `https`. */
  protocol?: 'https' | 'http'
  /** Extra trusted CA certificates (PEM) for https: the CA of a private endpoint such as `keyward serve --tls-cert`. */
  ca?: string | Buffer
  /** Per-attempt timeout, ms (default 10 000). The whole call is bounded by `retry.deadlineMs`. */
  requestTimeoutMs?: number
  /** Overrides of core's DEFAULT_RETRY_POLICY (6 attempts, 100 ms · 2ⁿ capped at 5 s, 30 s deadline). */
  retry?: Partial<RetryPolicy>
  /** What CreateKey makes in this region: ['AES_256'] (default), ['SM4'] in a 国密 region, both for keyward serve. */
  symmetricKeySpecs?: readonly SymmetricKeySpec[]
  /**
   * Replaces the default transport, which signs x-tc-action, x-tc-timestamp and x-tc-traceid besides Tencent's
   * content-type and host (accepted by Tencent and by a strict-mode `keyward serve`). `sdkClientSupplier` gives
   * the stock tencentcloud-sdk-nodejs client instead; tests pass their own. Then credentials/endpoint/protocol/ca
   * are not used.
   */
  clientSupplier?: KmsClientSupplier
  /** Called after every attempt of every call. */
  onAttempt?: (event: AttemptEvent) => void
  /** Provider name, default `tencent-kms`. */
  name?: string
  /** Where credentials and the region are looked up (default: process.env and the home directory). */
  environment?: CredentialEnvironment
}

/** The options after defaults and checks. */
export interface ResolvedOptions {
  name: string
  region: string
  endpoint: string
  requestTimeoutMs: number
  retry: Partial<RetryPolicy>
  symmetricKeySpecs: readonly SymmetricKeySpec[]
  clientSupplier: KmsClientSupplier
  onAttempt: ((event: AttemptEvent) => void) | undefined
}

const DEFAULT_ENDPOINT = 'kms.tencentcloudapi.com'
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/

/** Applies defaults and checks the options; builds the SDK client supplier unless one is given. */
export function resolveOptions(options: TencentKmsOptions = {}): ResolvedOptions {
  const env = options.environment?.env ?? process.env
  const region = options.region ?? env.TENCENTCLOUD_REGION ?? 'ap-guangzhou'
  needs(
    REGION.test(region),
    'InvalidParameterValue',
    `Region ${JSON.stringify(region)} is not a Tencent Cloud region name (e.g. ap-guangzhou).`,
  )
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT
  needs(
    /^[A-Za-z0-9.\-[\]:]+$/.test(endpoint),
    'InvalidParameterValue',
    'Endpoint must be host[:port], without a scheme or path.',
  )
  const protocol = options.protocol ?? 'https'
  checkOneOf('Protocol', protocol, ['https', 'http'] as const)
  // Plain HTTP would expose request bodies (plaintexts, data keys) on the wire: allowed only on this machine.
  needs(
    protocol === 'https' || LOOPBACK.test(endpoint),
    'InvalidParameterValue',
    'Protocol http is allowed only for a loopback endpoint (127.0.0.1, localhost, [::1]).',
  )
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  checkInt('RequestTimeoutMs', requestTimeoutMs, 1, 600_000)
  const retry = { ...options.retry }
  if (retry.maxAttempts !== undefined) checkInt('Retry.maxAttempts', retry.maxAttempts, 1, 100)
  if (retry.deadlineMs !== undefined) checkInt('Retry.deadlineMs', retry.deadlineMs, 1, 3_600_000)
  const symmetricKeySpecs = options.symmetricKeySpecs ?? ['AES_256']
  needs(symmetricKeySpecs.length > 0, 'InvalidParameterValue', 'symmetricKeySpecs must name at least one spec.')
  for (const spec of symmetricKeySpecs) checkOneOf('symmetricKeySpecs', spec, SYMMETRIC_KEY_SPECS)
  const clientSupplier =
    options.clientSupplier ??
    signedClientSupplier({
      credentials: resolveCredentials(options.credentials, options.environment),
      endpoint,
      protocol,
      requestTimeoutMs,
      ...(options.ca ? { ca: options.ca } : {}),
    })
  return {
    name: options.name ?? 'tencent-kms',
    region,
    endpoint,
    requestTimeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...retry },
    symmetricKeySpecs: [...symmetricKeySpecs],
    clientSupplier,
    onAttempt: options.onAttempt,
  }
}
