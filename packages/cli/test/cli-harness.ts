/**
 * Runs the built `keyward` binary as a child process, each test suite in its own temp KEYWARD_HOME, with an
 * environment cleared of the caller's Keyward/Tencent settings.
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect } from 'vitest'

const CLI_DIR = resolve(import.meta.dirname, '..')
/**
 * Per-test limit: each test runs several CLI processes (≈ 0.5 s of CPU each, mostly module loading) and, on a
 * machine shared with other suites, waits for a core far longer than it computes.
 */
export const SLOW_TEST_MS = 180_000

/** The `keyward` bin as npm links it. */
export const BIN = join(CLI_DIR, 'bin', 'keyward.js')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Fails loudly when the CLI is not built or older than its source (these tests run the compiled binary). */
export function requireBuiltCli(): void {
  const dist = join(CLI_DIR, 'dist')
  if (!existsSync(join(dist, 'main.js')) || newestMtime(dist) < newestMtime(join(CLI_DIR, 'src'))) {
    throw new Error(
      'packages/cli/dist is missing or older than src: run `npx tsc -b packages/cli` (npm test builds first).',
    )
  }
}

/** script(1), which gives a child a pseudo-terminal; fails naming its Debian package when missing. */
export function requireScript(): string {
  const r = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' })
  if (r.status !== 0 || !r.stdout.trim())
    throw new Error(
      'script(1) is required by this test and is missing. Install it with: sudo apt-get install -y bsdutils',
    )
  return r.stdout.trim()
}

/** What a run printed and how it ended. */
export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of a child: no inherited Keyward/Tencent/tccli settings, KEYWARD_HOME = `home`, and HOME = `home`
 * too, so that the runner's own ~/.tccli profiles (output format, credentials) cannot leak into a test.
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(KEYWARD_|TENCENTCLOUD_|TCCLI_)/.test(k)) env[k] = v
  return { ...env, KEYWARD_HOME: home, HOME: home, ...extra }
}

/** Runs `keyward ...args`; never rejects on a non-zero exit. */
export function keyward(
  home: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((res, rej) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: cliEnv(home, opts.env), cwd: opts.cwd ?? home, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return rej(error)
        res({ code: error ? (error.code as number) : 0, stdout, stderr })
      },
    )
  })
}

/**
 * `keyward kms Action --P v ...`, expected to succeed; returns the response model, which keyward prints as tccli
 * does: without the `{"Response": ...}` wrapper, JSON indented by four spaces.
 */
export async function kms(
  home: string,
  action: string,
  params: Record<string, string | number> = {},
  extra: string[] = [],
  env?: Record<string, string>,
): Promise<Record<string, unknown>> {
  const args = ['kms', action, ...Object.entries(params).flatMap(([k, v]) => [`--${k}`, String(v)]), ...extra]
  const r = await keyward(home, args, env ? { env } : {})
  // The dev credentials of a fresh home, and the target of a remote KMS (`→ http://127.0.0.1:8300`), are all stderr may
  // hold.
  expect(
    r.stderr.replace(/created the dev account[\s\S]*SecretKey: \S+\n/, '').replace(/^→ \S+.*\n/, ''),
    `keyward ${args.join(' ')}`,
  ).toBe('')
  expect(r.code).toBe(0)
  const body = JSON.parse(r.stdout) as Record<string, unknown>
  expect(r.stdout).toBe(`${JSON.stringify(body, null, 4)}\n`)
  expect(body['Response']).toBeUndefined()
  expect(body['Error']).toBeUndefined()
  expect(typeof body['RequestId']).toBe('string')
  return body
}

/** Expects a failed run: non-zero exit, nothing on stdout, `pattern` on stderr. */
export function expectFailure(r: CliRun, pattern: RegExp): void {
  expect(r.stdout).toBe('')
  expect(r.code).not.toBe(0)
  expect(r.stderr).toMatch(pattern)
}

/** A long-running `keyward serve` child and the lines it printed on stdout. */
export interface ServeChild {
  child: ChildProcessWithoutNullStreams
  output: () => string
  /** What it printed on stderr so far. */
  errors: () => string
  exited: Promise<number | null>
}

/** Starts `keyward [globalArgs] serve --port 0` and waits for `listening on http://H:P`. */
export async function startServe(
  home: string,
  opts: { globalArgs?: string[]; env?: Record<string, string> } = {},
): Promise<ServeChild & { endpoint: string }> {
  const args = [BIN, ...(opts.globalArgs ?? []), 'serve', '--port', '0', '--log-level', 'warn']
  const child = spawn(process.execPath, args, { env: cliEnv(home, opts.env), cwd: home })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
  const endpoint = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`keyward serve did not start: ${out}${err}`)), 30_000)
    const check = (): void => {
      const m = /listening on http:\/\/(\S+)\n/.exec(out)
      if (m) {
        clearTimeout(timer)
        res(m[1] as string)
      }
    }
    child.stdout.on('data', check)
    void exited.then(() => rej(new Error(`keyward serve exited: ${out}${err}`)))
  })
  return { child, output: () => out, errors: () => err, exited, endpoint }
}

/**
 * Waits (up to 30 s) until process `pid` holds an unnamed O_TMPFILE in `dir` — its output being written — and
 * returns whether it did. Such a file shows in /proc as `<dir>/#<inode> (deleted)`.
 */
export async function writingUnnamed(pid: number, dir: string): Promise<boolean> {
  const real = resolve(dir)
  for (let i = 0; i < 3000; i++) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        if (
          target.startsWith(`${real}/#`) &&
          target.endsWith(' (deleted)') &&
          statSync(`/proc/${pid}/fd/${fd}`).size > 0
        )
          return true
      }
    } catch {
      // the process is starting or gone
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  return false
}
