/**
 * External binaries the tests and benchmarks use: present or a loud failure naming the install command (never a
 * skip), temp dirs, and running them. No vitest import here: the benchmarks (npx tsx bench/*.bench.ts) load the
 * token helpers that use it, outside vitest.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Debian package that provides each binary the tests use. */
const PACKAGE_OF: Record<string, string> = {
  openssl: 'openssl',
  'softhsm2-util': 'softhsm2',
  'pkcs11-tool': 'opensc',
  initdb: 'postgresql',
  pg_ctl: 'postgresql',
  curl: 'curl',
  certutil: 'libnss3-tools',
  pkcsslotd: 'opencryptoki',
  pkcsconf: 'opencryptoki',
  swtpm: 'swtpm',
  'tpm2-abrmd': 'tpm2-abrmd',
  'dbus-daemon': 'dbus-daemon',
}

/** Throws (the test fails) when `binary` is not on PATH, naming the command that installs it. */
export function requireBinary(binary: string): string {
  // /bin/sh by its path: the lookup must work whatever PATH holds (and report the binary missing, not crash).
  const r = spawnSync('/bin/sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' })
  const path = (r.stdout ?? '').trim()
  if (r.status !== 0 || !path) {
    const pkg = PACKAGE_OF[binary] ?? binary
    throw new Error(
      `${binary} is required by this test and is missing. Install it with: sudo apt-get install -y ${pkg} (or run npm test, which does).`,
    )
  }
  return path
}

/** A fresh temp directory and a function that removes it. */
export function tempDir(prefix = 'keyward-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs a binary synchronously; returns stdout; throws with stderr on a non-zero exit. */
export function run(binary: string, args: string[], input?: Uint8Array | string): Buffer {
  return execFileSync(binary, args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
}

/** Runs a binary; returns its exit status and output without throwing. */
export function tryRun(
  binary: string,
  args: string[],
  input?: Uint8Array | string,
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(binary, args, { input, encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
