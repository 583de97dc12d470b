import type { KeyProvider as KeyProviderContract } from '@keyward/core'
import { ContainerModule } from 'inversify'
import type { KeywardConfig } from '../config-schema.js'
import { KeyProvider } from '../tokens.js'
import type { FactoryOptions } from './software-module.js'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/

/**
 * Options for the Tencent provider from `config`: credentials from the config or the environment
 * (TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY) or tccli's profile; http only for a loopback endpoint
 * (`keyward serve` on this machine).
 */
export function tencentOptions(config: KeywardConfig): import('@keyward/provider-tencent-kms').TencentKmsOptions {
  const t = config.tencent
  const loopback = t.endpoint !== undefined && LOOPBACK.test(t.endpoint)
  return {
    region: t.region,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    protocol: loopback ? 'http' : 'https',
    requestTimeoutMs: t.timeoutMs,
    ...(t.secretId && t.secretKey
      ? { credentials: { secretId: t.secretId, secretKey: t.secretKey, ...(t.token ? { sessionToken: t.token } : {}) } }
      : {}),
    ...(t.symmetricKeySpecs
      ? { symmetricKeySpecs: t.symmetricKeySpecs }
      : loopback
        ? { symmetricKeySpecs: ['AES_256', 'SM4'] as const }
        : {}),
  }
}

/** Builds the Tencent Cloud KMS provider of `config` (the real service or `keyward serve`). */
export async function createTencentKmsProvider(
  config: KeywardConfig,
  _options: FactoryOptions = {},
): Promise<KeyProviderContract> {
  const { TencentKmsKeyProvider } = await import('@keyward/provider-tencent-kms')
  return new TencentKmsKeyProvider(tencentOptions(config))
}

/** The inversify module binding {@link KeyProvider} to Tencent Cloud KMS. */
export function tencentKmsModule(config: KeywardConfig, options: FactoryOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<KeyProviderContract>(KeyProvider)
      .toDynamicValue(() => createTencentKmsProvider(config, options))
      .inSingletonScope()
  })
}
