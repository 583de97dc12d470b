import { mkdirSync } from 'node:fs'
import { SecretString, type KeyProvider as KeyProviderContract } from '@keyward/core'
import { ContainerModule } from 'inversify'
import type { ProbeOptions, ProbeReport } from '@keyward/provider-pkcs11'
import type { KeywardConfig } from '../config-schema.js'
import { appPkcs11MetadataPath, movedAppPkcs11Notice } from '../home-layout.js'
import { KeyProvider } from '../tokens.js'
import type { FactoryOptions } from './software-module.js'

/**
 * Builds the PKCS#11 provider of `config`: keys in the token, metadata (alias, state, versions) in a SQLite
 * store (`pkcs11.metadataPath`, default `<home>/app-pkcs11-meta.db`), PIN from `pkcs11.pinEnv` or `pkcs11.pinFile`.
 */
export async function createPkcs11Provider(
  config: KeywardConfig,
  options: FactoryOptions = {},
): Promise<KeyProviderContract> {
  const [{ Pkcs11KeyProvider }, { SqliteKeyStore }] = await Promise.all([
    import('@keyward/provider-pkcs11'),
    import('@keyward/provider-software'),
  ])
  const c = config.pkcs11
  const pin = (options.env ?? process.env)[c.pinEnv]
  mkdirSync(config.home, { recursive: true, mode: 0o700 })
  if (c.metadataPath === undefined) {
    const notice = movedAppPkcs11Notice(config.home)
    if (notice) (options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(notice)
  }
  const store = SqliteKeyStore.open(c.metadataPath ?? appPkcs11MetadataPath(config.home))
  try {
    return new Pkcs11KeyProvider({
      ...(c.module ? { modulePath: c.module } : {}),
      ...(c.libraryParameters ? { libraryParameters: c.libraryParameters } : {}),
      ...(c.tokenLabel ? { tokenLabel: c.tokenLabel } : {}),
      ...(c.slot !== undefined ? { slotIndex: c.slot } : {}),
      // The PIN is wrapped at once so it never prints; a missing variable is reported by the provider.
      ...(c.pinFile ? { pinFile: c.pinFile } : pin ? { pin: new SecretString(pin) } : { pinEnv: c.pinEnv }),
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
    bind<KeyProviderContract>(KeyProvider)
      .toDynamicValue(() => createPkcs11Provider(config, options))
      .inSingletonScope()
  })
}

/**
 * What a PKCS#11 token can do for Keyward (`keyward hsm probe`): its answers, the derived capabilities and, with a
 * PIN, every feature tried on temporary keys that are deleted afterwards. The provider is loaded on demand.
 */
export async function probePkcs11Token(options: ProbeOptions): Promise<ProbeReport> {
  const { probeToken } = await import('@keyward/provider-pkcs11')
  return probeToken(options)
}
