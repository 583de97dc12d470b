/**
 * A throwaway tpm2-pkcs11 token on a swtpm TPM 2.0 simulator, per test process: swtpm on a unix socket, a
 * private D-Bus session bus, tpm2-abrmd as the resource manager (the simulator holds 3 loaded objects and
 * tpm2-pkcs11 keeps every key it used loaded, so without a resource manager the fourth key fails with
 * TPM_RC_OBJECT_MEMORY), and a tpm2-pkcs11 store initialised through PKCS#11 itself (C_InitToken, C_InitPIN by
 * pkcs11-tool). The process environment is pointed at it (TPM2_PKCS11_TCTI, TPM2_PKCS11_STORE,
 * DBUS_SESSION_BUS_ADDRESS): create it before the first provider of the process loads the module.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { requireBinary } from './binaries.js'
import type { CapabilityFloor, TestToken } from './test-token.js'

/** Where Debian and other layouts install tpm2-pkcs11. */
export const TPM2_PKCS11_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so',
  '/usr/lib/aarch64-linux-gnu/pkcs11/libtpm2_pkcs11.so',
  '/usr/lib64/pkcs11/libtpm2_pkcs11.so',
  '/usr/lib/pkcs11/libtpm2_pkcs11.so',
]

/**
 * tpm2-pkcs11 1.9 through the provider: RSA and ECDSA signatures (no CKM_RSA_PKCS_PSS on swtpm), RSA-OAEP
 * decryption; no C_GenerateKey and no C_UnwrapKey, so no ENCRYPT_DECRYPT keys and no BYOK.
 */
export const TPM2_FLOOR: CapabilityFloor = {
  keyUsages: ['ASYMMETRIC_DECRYPT_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_ECC'],
  symmetricKeySpecs: [],
  signAlgorithms: ['RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  wrappingAlgorithms: [],
  keyRotation: false,
}

function waitFor(what: string, ready: () => boolean, ms = 10_000): void {
  const end = Date.now() + ms
  while (!ready()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`)
    spawnSync('sleep', ['0.05'])
  }
}

/**
 * The daemons die with this test process even when it is killed (a timeout, a cancelled run), where no 'exit'
 * handler runs: util-linux's setpriv sets PR_SET_PDEATHSIG and execs the daemon, which stays in the foreground.
 */
function tiedArgv(argv: string[]): [string, string[]] {
  return existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', ...argv]]
    : [argv[0] as string, argv.slice(1)]
}

/** Starts swtpm + a bus + tpm2-abrmd, initialises a token, and points this process at it. */
export function tpm2TestToken(): TestToken {
  for (const bin of ['swtpm', 'tpm2-abrmd', 'dbus-daemon', 'pkcs11-tool']) requireBinary(bin)
  const modulePath = TPM2_PKCS11_CANDIDATES.find((p) => existsSync(p))
  if (!modulePath)
    throw new Error(
      'tpm2-pkcs11 is required by this test and is missing. Install it with: sudo apt-get install -y libtpm2-pkcs11-1 libtss2-tcti-tabrmd0 libtss2-tcti-swtpm0 (or run npm test, which does).',
    )
  const dir = mkdtempSync(join(tmpdir(), 'keyward-tpm2-'))
  const state = join(dir, 'state')
  const store = join(dir, 'store')
  mkdirSync(state)
  mkdirSync(store)
  const sock = join(dir, 'tpm.sock')
  const pids: number[] = []
  const stop = (): void => {
    for (const pid of pids.splice(0).reverse())
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        /* already gone */
      }
  }
  process.once('exit', stop)
  // tpm2-tss logs every TPM error on stderr, including the ones the tests provoke on purpose (a bad ciphertext);
  // TSS2_LOG set by the developer wins.
  process.env['TSS2_LOG'] ??= 'all+NONE'
  try {
    const swtpm = spawn(
      ...tiedArgv([
        'swtpm',
        'socket',
        '--tpm2',
        '--server',
        `type=unixio,path=${sock}`,
        '--ctrl',
        `type=unixio,path=${sock}.ctrl`,
        '--tpmstate',
        `dir=${state}`,
        '--flags',
        'not-need-init,startup-clear',
      ]),
      { stdio: 'ignore' },
    )
    pids.push(swtpm.pid as number)
    waitFor('swtpm', () => existsSync(sock) && existsSync(`${sock}.ctrl`))
    const bus = `unix:path=${join(dir, 'bus')}`
    // A bus of our own, configured here: it needs only the dbus-daemon package, not the desktop session files.
    const busConfig = join(dir, 'bus.conf')
    writeFileSync(
      busConfig,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>${bus}</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
`,
    )
    const dbus = spawn(...tiedArgv(['dbus-daemon', `--config-file=${busConfig}`, '--nofork']), { stdio: 'ignore' })
    pids.push(dbus.pid as number)
    waitFor('dbus-daemon', () => existsSync(join(dir, 'bus')))
    const name = `com.intel.tss2.Tabrmd.kw${randomBytes(4).toString('hex')}`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: bus,
      TPM2_PKCS11_TCTI: `tabrmd:bus_type=session,bus_name=${name}`,
      TPM2_PKCS11_STORE: store,
    }
    const abrmd = spawn(
      ...tiedArgv([
        'tpm2-abrmd',
        '--session',
        '--allow-root',
        `--tcti=swtpm:path=${sock}`,
        `--dbus-name=${name}`,
        '--flush-all',
        '--max-transients=100',
      ]),
      { env, stdio: 'ignore' },
    )
    pids.push(abrmd.pid as number)
    const tool = (args: string[]) =>
      spawnSync('pkcs11-tool', ['--module', modulePath, ...args], { env, encoding: 'utf8' })
    waitFor('tpm2-abrmd', () => tool(['--list-slots']).status === 0)
    const label = `kw-${randomBytes(4).toString('hex')}`
    const soPin = randomBytes(6).toString('hex')
    const pin = randomBytes(6).toString('hex')
    for (const args of [
      ['--slot-index', '0', '--init-token', '--label', label, '--so-pin', soPin],
      ['--token-label', label, '--login', '--login-type', 'so', '--so-pin', soPin, '--init-pin', '--pin', pin],
    ]) {
      const r = tool(args)
      if (r.status !== 0) throw new Error(`pkcs11-tool ${args.join(' ')} failed: ${r.stderr}`)
    }
    for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'TPM2_PKCS11_TCTI', 'TPM2_PKCS11_STORE'] as const)
      process.env[k] = env[k]
    return {
      kind: 'tpm2',
      modulePath,
      label,
      pin,
      env,
      floor: TPM2_FLOOR,
      options: { modulePath, tokenLabel: label, pin },
      remove: async () => {
        stop()
        process.removeListener('exit', stop)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    stop()
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}
