/**
 * @packageDocumentation
 * SoftwareKeyProvider: Keyward's KeyProvider on Node's OpenSSL and @keyward/gm, with keys sealed under a root
 * key in a SqliteKeyStore (or any core KeyStore).
 */
export { SoftwareKeyProvider } from './software-key-provider.js'
export {
  SOFTWARE_CAPABILITIES,
  type SoftwareCreateKeyRequest,
  type SoftwareKeyProviderOptions,
} from './provider-options.js'
export { SqliteKeyStore, type SqliteKeyStoreOptions } from './sqlite/sqlite-key-store.js'
export { RootKey } from './root-key.js'
export { createRootKeyFile, loadRootKey, type RootKeySource } from './root-key-file.js'
