import { join } from 'node:path'
import type { KeyProvider as KeyProviderContract } from '@keyward/core'
import { ContainerModule } from 'inversify'
import type { KeywardConfig } from '../config-schema.js'
import { KeyProvider } from '../tokens.js'
import type { FactoryOptions } from './software-module.js'

/**
 * Builds the PKCS#11 provider of `config`: keys in the token, metadata (alias, state, versions) in a SQLite
 * store in `home`, PIN from `pkcs11.pinEnv` or `pkcs11.pinFile`.
 */
export async function createPkcs11Provider(config: KeywardConfig, _options: FactoryOptions = {}): Promise<KeyProviderContract> {
  const [{ Pkcs11KeyProvider }, { SqliteKeyStore }] = await Promise.all([
    import('@keyward/provider-pkcs11'),
    import('@keyward/provider-software'),
  ])
  const c = config.pkcs11
  const store = SqliteKeyStore.open(c.metadataPath ?? join(config.home, 'pkcs11-meta.db'))
  try {
    return new Pkcs11KeyProvider({
      ...(c.module ? { modulePath: c.module } : {}),
      ...(c.tokenLabel ? { tokenLabel: c.tokenLabel } : {}),
      ...(c.slot !== undefined ? { slotIndex: c.slot } : {}),
      ...(c.pinFile ? { pinFile: c.pinFile } : { pinEnv: c.pinEnv }),
      poolSize: c.poolSize,
      store,
      ...(c.vendorMechanisms ? { vendorMechanisms: c.vendorMechanisms } : {}),
    })
  } catch (e) {
    await store.close()
    throw e
  }
}

/** The inversify module binding {@link KeyProvider} to a PKCS#11 HSM. */
export function pkcs11Module(config: KeywardConfig, options: FactoryOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<KeyProviderContract>(KeyProvider).toDynamicValue(() => createPkcs11Provider(config, options)).inSingletonScope()
  })
}
