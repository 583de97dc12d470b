import type { KeyStore } from '@keyward/core'
import { Pkcs11KeyProvider, type Pkcs11ProviderOptions } from '@keyward/provider-pkcs11'
import type { TestToken } from '@keyward/test-support'
import type { SoftHsmToken } from '../../../test/support/softhsm.js'

/** A provider on the throwaway SoftHSM token, with options overridden. */
export function providerOn(token: SoftHsmToken, options: Partial<Pkcs11ProviderOptions> = {}): Pkcs11KeyProvider {
  return new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin, ...options })
}

/** A provider on any test token, with options overridden. */
export function providerOnToken(token: TestToken, options: Partial<Pkcs11ProviderOptions> = {}): Pkcs11KeyProvider {
  return new Pkcs11KeyProvider({ ...token.options, ...options })
}

/**
 * `store`, recording the KeyId of every key inserted into it, so a test on a shared token (openCryptoki's swtok)
 * can delete exactly its own token objects afterwards (`token.remove(keyIds)`).
 */
export function recordingStore(store: KeyStore, keyIds: Set<string>): KeyStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'insertKey')
        return (meta: Parameters<KeyStore['insertKey']>[0]) => {
          keyIds.add(meta.keyId)
          return target.insertKey(meta)
        }
      const v = Reflect.get(target, prop, receiver) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}
