import type { KeyProvider as KeyProviderContract } from '@keyward/core'
import { Container, type ContainerModule } from 'inversify'
import { applyCompliance, compliantProvider, type ComplianceSetup } from './compliance/apply-compliance.js'
import type { KeywardConfig, KeywardConfigInput, ProviderName } from './config-schema.js'
import { loadConfig, type LoadConfigOptions } from './load-config.js'
import { pkcs11Module } from './modules/pkcs11-module.js'
import { softwareModule, type FactoryOptions } from './modules/software-module.js'
import { tencentKmsModule } from './modules/tencent-kms-module.js'
import { KeyProvider, KeywardConfigToken } from './tokens.js'

/** The ContainerModule factory of each provider: the one table that decides what `provider:` means. */
export const PROVIDER_MODULES: Readonly<
  Record<ProviderName, (config: KeywardConfig, options?: FactoryOptions) => ContainerModule>
> = {
  software: softwareModule,
  pkcs11: pkcs11Module,
  'tencent-kms': tencentKmsModule,
}

/**
 * An inversify container with the configured provider bound to {@link KeyProvider}. For apps that use DI:
 * resolve `KeyProvider` and never name a concrete provider, so that switching backends is a config change. The
 * configuration's compliance profile is put in force for the process and applied to the provider on activation.
 *
 * @example
 * ```ts
 * const container = await createKeywardContainer(loadConfig())
 * const provider = await container.getAsync<KeyProvider>(KeyProvider)
 * ```
 */
export async function createKeywardContainer(config: KeywardConfig, options: FactoryOptions = {}): Promise<Container> {
  const container = new Container()
  container.bind<KeywardConfig>(KeywardConfigToken).toConstantValue(config)
  const { cryptoModule } = applyCompliance(config)
  if (config.compliance === 'fips')
    (options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(
      `fips compliance profile: ${cryptoModule.detail}.`,
    )
  await container.load(PROVIDER_MODULES[config.provider](config, options))
  // Every resolution of KeyProvider goes through the profile: no binding hands out the bare provider.
  container.onActivation<KeyProviderContract>(KeyProvider, (_ctx, provider) =>
    compliantProvider(config, provider, options.onLegacyDecrypt),
  )
  return container
}

/** What {@link createKeyward} returns. */
export interface Keyward {
  readonly config: KeywardConfig
  /** The configured provider, under the configuration's compliance profile. */
  readonly provider: KeyProviderContract
  /** The profile in force and the crypto module (FIPS provider state). */
  readonly compliance: ComplianceSetup
  /** Closes the provider (sessions, files, connections). */
  close(): Promise<void>
}

/**
 * The configured provider without DI: loads the configuration (file, environment, `overrides`), builds the
 * provider and returns it. The same app code runs on software keys, an HSM or Tencent KMS.
 *
 * @example
 * ```ts
 * // keyward.config.json: { "provider": "pkcs11", "pkcs11": { "tokenLabel": "prod", "pinEnv": "HSM_PIN" } }
 * const kw = await createKeyward()
 * const { ciphertextBlob } = await kw.provider.encrypt({ keyId, plaintext })
 * await kw.close()
 * ```
 */
export async function createKeyward(
  overrides: KeywardConfigInput | Partial<KeywardConfigInput> = {},
  options: FactoryOptions & Omit<LoadConfigOptions, 'flags'> = {},
): Promise<Keyward> {
  const config = loadConfig({ ...options, flags: overrides as Record<string, unknown> })
  const container = await createKeywardContainer(config, options)
  const provider = await container.getAsync<KeyProviderContract>(KeyProvider)
  return { config, provider, compliance: applyCompliance(config), close: () => provider.close() }
}
