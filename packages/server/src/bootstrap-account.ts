import type { NewAccount } from './store/accounts.js'
import type { ServerStore } from './store/server-store.js'

/** Credentials given for the first (admin) account, for automation. */
export interface BootstrapCredentials {
  secretId: string
  secretKey: string
}

/**
 * The first account of an empty store (`admin`, generated credentials), or an extra admin for given bootstrap
 * credentials that are new; undefined when there is nothing to create. Audited as CreateAccount from `bootstrap`.
 */
export async function bootstrapAccount(
  store: ServerStore,
  creds: BootstrapCredentials | undefined,
): Promise<NewAccount | undefined> {
  try {
    if (creds) {
      if (await store.accounts.bySecretId(creds.secretId)) return undefined
      const name = (await store.accounts.count()) === 0 ? 'admin' : `bootstrap-${creds.secretId.slice(-8)}`
      return await store.createAccount({ name, isAdmin: true, ...creds }, 'bootstrap')
    }
    if ((await store.accounts.count()) > 0) return undefined
    return await store.createAccount({ name: 'admin', isAdmin: true }, 'bootstrap')
  } catch (e) {
    // Another instance sharing the store won the race to create it: nothing to show here.
    if ((await store.accounts.count()) > 0) return undefined
    throw e
  }
}

/** KEYWARD_BOOTSTRAP_SECRET_ID / KEYWARD_BOOTSTRAP_SECRET_KEY, when both are set. */
export function envBootstrap(): BootstrapCredentials | undefined {
  const secretId = process.env['KEYWARD_BOOTSTRAP_SECRET_ID']
  const secretKey = process.env['KEYWARD_BOOTSTRAP_SECRET_KEY']
  return secretId && secretKey ? { secretId, secretKey } : undefined
}
