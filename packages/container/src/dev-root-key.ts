import { join } from 'node:path'

/** Where the embedded default keeps its development root key when none is configured. */
export function devRootKeyPath(home: string): string {
  return join(home, 'root.key')
}

/**
 * True when the embedded default must create (or keeps using) a root key beside its data: neither
 * KEYWARD_ROOT_KEY nor a configured key file. The caller warns.
 */
export function usesDevRootKey(configuredFile: string | undefined, env: NodeJS.ProcessEnv): boolean {
  return !env['KEYWARD_ROOT_KEY'] && configuredFile === undefined
}

/** The warning shown when the development root key is in use. */
export const DEV_ROOT_KEY_WARNING =
  'warning: using a development root key stored beside the key store (%s). Anyone who copies KEYWARD_HOME can read every key. ' +
  'For production set KEYWARD_ROOT_KEY or software.rootKeyFile (mode 0600, outside KEYWARD_HOME).'
