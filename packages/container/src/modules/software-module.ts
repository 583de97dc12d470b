import { mkdirSync } from 'node:fs'
import { MemoryKeyStore, zeroize, type KeyProvider as KeyProviderContract } from '@keyward/core'
import { ContainerModule } from 'inversify'
import type { KeywardConfig } from '../config-schema.js'
import { DEV_ROOT_KEY_WARNING, devRootKeyPath, usesDevRootKey } from '../dev-root-key.js'
import { appSoftwareStorePath, movedAppStoreNotice } from '../home-layout.js'
import type { LegacyDecryptAudit } from '../compliance/apply-compliance.js'
import { KeyProvider } from '../tokens.js'

/** Options shared by the provider factories. */
export interface FactoryOptions {
  env?: NodeJS.ProcessEnv
  /** Where warnings go (the dev root key); default stderr. */
  warn?: (message: string) => void
  /** Records each legacy decryption when the config's `allowLegacyDecrypt` is on (required then). */
  onLegacyDecrypt?: LegacyDecryptAudit
}

/**
 * Builds the software provider of `config`: SQLite store (`software.path`, default `<home>/app-keys.db`, apart from
 * the embedded KMS's keys) or memory, root key from KEYWARD_ROOT_KEY,
 * `software.rootKeyFile`, or — the embedded default — a 0600 dev key in `home`, with a warning.
 */
export async function createSoftwareProvider(
  config: KeywardConfig,
  options: FactoryOptions = {},
): Promise<KeyProviderContract> {
  const env = options.env ?? process.env
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`))
  const { SoftwareKeyProvider, SqliteKeyStore, RootKey, loadRootKey } = await import('@keyward/provider-software')
  const dev = usesDevRootKey(config.software.rootKeyFile, env)
  mkdirSync(config.home, { recursive: true, mode: 0o700 })
  const keyFile = config.software.rootKeyFile ?? devRootKeyPath(config.home)
  const bytes = loadRootKey({ env, keyFile, createIfMissing: dev })
  if (dev) warn(DEV_ROOT_KEY_WARNING.replace('%s', keyFile))
  if (config.software.store === 'sqlite' && config.software.path === undefined) {
    const notice = movedAppStoreNotice(config.home)
    if (notice) warn(notice)
  }
  try {
    const store =
      config.software.store === 'memory'
        ? new MemoryKeyStore()
        : SqliteKeyStore.open(config.software.path ?? appSoftwareStorePath(config.home))
    return new SoftwareKeyProvider({ store, rootKey: RootKey.fromBytes(bytes) })
  } finally {
    zeroize(bytes)
  }
}

/** The inversify module binding {@link KeyProvider} to the software provider. */
export function softwareModule(config: KeywardConfig, options: FactoryOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<KeyProviderContract>(KeyProvider)
      .toDynamicValue(() => createSoftwareProvider(config, options))
      .inSingletonScope()
  })
}
