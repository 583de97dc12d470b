/**
 * A throwaway SoftHSM2 token for tests and benchmarks: its own softhsm2.conf and token directory in a temp dir,
 * initialised with `softhsm2-util --init-token --free`, removed by `remove()`.
 *
 * SoftHSM reads SOFTHSM2_CONF when the module is loaded (C_Initialize), so `createSoftHsmToken` sets it in
 * `process.env` of the calling process; call it before the first provider of the process loads the module.
 * Vitest forks one process per test file, so each file gets its own token.
 *
 * @example
 * ```ts
 * const token = createSoftHsmToken()
 * const provider = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin })
 * afterAll(async () => { await provider.close(); token.remove() })
 * ```
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { FULL_PKCS11_FLOOR, type TestToken } from './test-token.js'

/** Where Debian / Ubuntu and other common layouts install the SoftHSM2 module. */
export const SOFTHSM_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
]

/** A token made by {@link createSoftHsmToken}. */
export interface SoftHsmToken {
  modulePath: string
  label: string
  pin: string
  soPin: string
  /** The temp directory holding softhsm2.conf and the token files. */
  dir: string
  /** The softhsm2.conf path (also set as process.env.SOFTHSM2_CONF). */
  conf: string
  /** Environment for child processes (pkcs11-tool, softhsm2-util) that must see the same token. */
  env: NodeJS.ProcessEnv
  /** Deletes the token directory. */
  remove(): void
}

/** The SoftHSM2 module path; throws naming the install command when SoftHSM2 is missing. */
export function softHsmModulePath(): string {
  const found = SOFTHSM_MODULE_CANDIDATES.find((p) => existsSync(p))
  if (!found || spawnSync('sh', ['-c', 'command -v softhsm2-util']).status !== 0) {
    throw new Error(
      'SoftHSM2 is required by this test and is missing. Install it with: sudo apt-get install -y softhsm2 opensc (or run npm test, which does).',
    )
  }
  return found
}

/**
 * Creates a fresh token in a temp dir and points SOFTHSM2_CONF of this process at it.
 * @param label token label (default: a random `kw-...` label)
 */
export function createSoftHsmToken(label = `kw-${randomBytes(4).toString('hex')}`): SoftHsmToken {
  const modulePath = softHsmModulePath()
  const dir = mkdtempSync(join(tmpdir(), 'keyward-softhsm-'))
  const tokens = join(dir, 'tokens')
  mkdirSync(tokens)
  const conf = join(dir, 'softhsm2.conf')
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  )
  const pin = randomBytes(6).toString('hex')
  const soPin = randomBytes(6).toString('hex')
  const env = { ...process.env, SOFTHSM2_CONF: conf }
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin], {
    env,
    stdio: 'pipe',
  })
  process.env.SOFTHSM2_CONF = conf
  return { modulePath, label, pin, soPin, dir, conf, env, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A throwaway SoftHSM2 token as a {@link TestToken} (same token as {@link createSoftHsmToken}). */
export function softHsmTestToken(): TestToken {
  const t = createSoftHsmToken()
  return {
    kind: 'softhsm2',
    modulePath: t.modulePath,
    label: t.label,
    pin: t.pin,
    env: t.env,
    floor: FULL_PKCS11_FLOOR,
    options: { modulePath: t.modulePath, tokenLabel: t.label, pin: t.pin },
    remove: async () => t.remove(),
  }
}
