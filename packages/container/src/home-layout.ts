import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The files of a data directory ($KEYWARD_HOME). Two users share a home and never each other's key files:
 *
 * - the **embedded KMS** — `keyward serve` and `keyward kms` — keeps accounts, key ownership, per-account aliases and
 *   the audit chain in `server.db`, and its provider's keys in `keys.db` (software) or `pkcs11-meta.db` (metadata of
 *   keys in an HSM); a key there belongs to a server account and carries a derived provider alias;
 * - an **application** calling `createKeyward()` / `createKeywardContainer()` with the software or PKCS#11 provider
 *   keeps its keys in `app-keys.db` / `app-pkcs11-meta.db`, with the aliases it gave them.
 *
 * Both may use the home's development root key (`root.key`). Sharing one key file made library keys `CmkNotFound` to
 * `keyward kms` (no owning account) and CLI keys appear in the library under internal aliases; an app that wants the
 * embedded KMS's keys talks to `keyward serve` (provider `tencent-kms`, endpoint 127.0.0.1:8300).
 */
export const HOME_FILES = {
  serverStore: 'server.db',
  kmsSoftwareKeys: 'keys.db',
  kmsPkcs11Metadata: 'pkcs11-meta.db',
  appSoftwareKeys: 'app-keys.db',
  appPkcs11Metadata: 'app-pkcs11-meta.db',
} as const

/** The application's software key store in `home` (when `software.path` is not set). */
export function appSoftwareStorePath(home: string): string {
  return join(home, HOME_FILES.appSoftwareKeys)
}

/** The application's PKCS#11 metadata store in `home` (when `pkcs11.metadataPath` is not set). */
export function appPkcs11MetadataPath(home: string): string {
  return join(home, HOME_FILES.appPkcs11Metadata)
}

/** The embedded KMS's PKCS#11 metadata store in `home` (what `keyward serve --provider pkcs11` and the CLI open). */
export function kmsPkcs11MetadataPath(home: string): string {
  return join(home, HOME_FILES.kmsPkcs11Metadata)
}

/**
 * A notice for a home whose `keys.db` was written by the library before the files were separated (no server store
 * beside it, no `app-keys.db` yet): its keys are not lost, but the library no longer opens that file by default.
 */
export function movedAppStoreNotice(home: string): string | undefined {
  return movedNotice(home, HOME_FILES.kmsSoftwareKeys, HOME_FILES.appSoftwareKeys, 'software.path')
}

/** The same notice for a PKCS#11 metadata store (`pkcs11-meta.db` → `app-pkcs11-meta.db`). */
export function movedAppPkcs11Notice(home: string): string | undefined {
  return movedNotice(home, HOME_FILES.kmsPkcs11Metadata, HOME_FILES.appPkcs11Metadata, 'pkcs11.metadataPath')
}

function movedNotice(home: string, oldName: string, newName: string, setting: string): string | undefined {
  const old = join(home, oldName)
  const now = join(home, newName)
  if (!existsSync(old) || existsSync(join(home, HOME_FILES.serverStore)) || existsSync(now)) return undefined
  return (
    `warning: ${old} holds keys of an earlier Keyward library; applications now keep their keys in ${now} ` +
    `(${oldName} belongs to keyward serve / keyward kms). To keep using them, set ${setting} to ${old} or rename the file.`
  )
}
