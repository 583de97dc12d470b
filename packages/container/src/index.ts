/**
 * @packageDocumentation
 * Configuration and wiring. `createKeyward()` for apps without DI; `createKeywardContainer()` and one inversify
 * ContainerModule per provider for apps with it; the compliance profile applied to the provider and the process, and
 * `checkCompliance()` to fail fast at start-up. This is the only package that imports inversify.
 *
 * @example
 * ```ts
 * import { createKeyward } from '@keyward/container'
 * const { provider, close } = await createKeyward({ provider: 'software' })
 * ```
 */
export {
  configSchema,
  PROVIDER_NAMES,
  type KeywardConfig,
  type KeywardConfigInput,
  type ProviderName,
} from './config-schema.js'
export { loadConfig, CONFIG_FILE_NAMES, type LoadConfigOptions } from './load-config.js'
export { createKeyward, createKeywardContainer, PROVIDER_MODULES, type Keyward } from './create-keyward.js'
export { KeyProvider, KeywardConfigToken } from './tokens.js'
export { softwareModule, createSoftwareProvider, type FactoryOptions } from './modules/software-module.js'
export { pkcs11Module, createPkcs11Provider, probePkcs11Token } from './modules/pkcs11-module.js'
export { tencentKmsModule, createTencentKmsProvider, tencentOptions } from './modules/tencent-kms-module.js'
export { DEV_ROOT_KEY_WARNING, devRootKeyPath } from './dev-root-key.js'
export {
  applyCompliance,
  compliantProvider,
  type ComplianceSetup,
  type LegacyDecryptAudit,
} from './compliance/apply-compliance.js'
export {
  checkCompliance,
  keyLocation,
  rootKeyFacts,
  type CheckComplianceOptions,
  type ComplianceCheckResult,
} from './compliance/check-compliance.js'
export { cryptoModuleState, enableFipsModule, type CryptoModuleState } from './compliance/crypto-module.js'
export { HOME_FILES, appSoftwareStorePath, appPkcs11MetadataPath, kmsPkcs11MetadataPath } from './home-layout.js'
