/**
 * A throwaway NSS softokn token: a fresh NSS database (`certutil -N`) in a temp dir, its password as the user
 * PIN, and libsoftokn3.so loaded directly with the init string that names the database (libraryParameters).
 * The token is NSS's "NSS Certificate DB" (slot 2; slot 1 is the login-less "NSS Generic Crypto Services").
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { requireBinary } from './binaries.js'
import { FULL_PKCS11_FLOOR, type TestToken } from './test-token.js'

/** Where Debian and other layouts install NSS's software token. */
export const NSS_SOFTOKN_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libsoftokn3.so',
  '/usr/lib/aarch64-linux-gnu/libsoftokn3.so',
  '/usr/lib64/libsoftokn3.so',
  '/usr/lib/libsoftokn3.so',
]

/** The label NSS gives the token of its key database. */
export const NSS_TOKEN_LABEL = 'NSS Certificate DB'

/** The init string of an NSS database directory, as softokn takes it in C_Initialize. */
export function nssLibraryParameters(dir: string): string {
  return `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`
}

/** The softokn module path; throws naming the install command when NSS is missing. */
export function nssModulePath(): string {
  requireBinary('certutil')
  const found = NSS_SOFTOKN_CANDIDATES.find((p) => existsSync(p))
  if (!found)
    throw new Error(
      'NSS softokn (libsoftokn3.so) is required by this test and is missing. Install it with: sudo apt-get install -y libnss3 libnss3-tools (or run npm test, which does).',
    )
  return found
}

/**
 * Creates a fresh NSS database with a random password (the user PIN). NSS protects private key attributes with a
 * PBKDF2 of the password at every use (≈ 40 ms per RSA signature with its default count); for these throwaway
 * databases the count is lowered with NSS's own test knob, NSS_MAX_MP_PBE_ITERATION_COUNT, in this process and its
 * children, which makes NSS's suite ~10× faster without changing what is tested.
 */
export function nssTestToken(): TestToken {
  const modulePath = nssModulePath()
  process.env['NSS_MAX_MP_PBE_ITERATION_COUNT'] ??= '1'
  const dir = mkdtempSync(join(tmpdir(), 'keyward-nss-'))
  const pin = randomBytes(8).toString('hex')
  const pwfile = join(dir, '.pw')
  writeFileSync(pwfile, `${pin}\n`, { mode: 0o600 })
  try {
    execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', pwfile], { stdio: 'pipe' })
  } finally {
    rmSync(pwfile, { force: true })
  }
  const libraryParameters = nssLibraryParameters(dir)
  return {
    kind: 'nss',
    modulePath,
    libraryParameters,
    label: NSS_TOKEN_LABEL,
    pin,
    env: { ...process.env },
    floor: FULL_PKCS11_FLOOR,
    options: { modulePath, libraryParameters, tokenLabel: NSS_TOKEN_LABEL, pin },
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  }
}
