/**
 * Outputs that are not plain files, and outputs that must not outlive a killed process — with the built binary, as
 * root (as the issue was found): `--out /dev/stdout` writes through the descriptor and leaves the symlink alone;
 * `-` streams both ways; FIFOs are written in place; an existing file is replaced only with --force (through its
 * symlink); `kill -9` mid-write leaves nothing (O_TMPFILE), and where named temp files are used the next run sweeps
 * them; Ctrl-C restores the terminal cursor.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import {
  BIN,
  cliEnv,
  expectFailure,
  keyward,
  kms,
  requireBuiltCli,
  requireScript,
  SLOW_TEST_MS,
  writingUnnamed,
} from './cli-harness.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe.concurrent('keyward encrypt/decrypt: files and streams', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let keyId: string
  let plain: Buffer
  /** `kw` in a bash script is the built keyward. */
  const KW = `set -o pipefail; kw() { '${process.execPath}' '${BIN}' "$@"; }; `
  const sh = (script: string): ReturnType<typeof spawnSync> =>
    spawnSync('bash', ['-c', KW + script], { env: cliEnv(home), cwd: home, maxBuffer: 64 * 1024 * 1024 })
  const own = (name: string): ((f: string) => string) => {
    mkdirSync(join(home, name))
    return (f) => join(home, name, f)
  }

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-streams-'))
    keyId = (await kms(home, 'CreateKey', { Alias: 'streams' }))['KeyId'] as string
    plain = randomBytes(3 * 1024 * 1024 + 17)
    writeFileSync(join(home, 'plain.bin'), plain)
    const enc = await keyward(home, [
      'encrypt',
      '--key-id',
      keyId,
      '--in',
      join(home, 'plain.bin'),
      '--out',
      join(home, 'plain.kwe'),
    ])
    expect(enc.code, enc.stderr).toBe(0)
  })
  afterAll(() => remove())

  it('--out /dev/stdout as root: the plaintext goes down the pipe (or into the redirected file); /dev/stdout stays a symlink', () => {
    expect(process.getuid?.()).toBe(0)
    const before = readlinkSync('/dev/stdout')
    const piped = sh(`kw decrypt --key-id ${keyId} --in plain.kwe --out /dev/stdout | sha256sum`)
    expect(piped.status, piped.stderr.toString()).toBe(0)
    expect(piped.stdout.toString()).toBe(`${sha(plain)}  -\n`)
    const redirected = sh(
      `kw decrypt --key-id ${keyId} --in plain.kwe --out /dev/stdout > redirected.bin && kw decrypt --key-id ${keyId} --in plain.kwe --out /dev/fd/1 >> redirected.bin`,
    )
    expect(redirected.status, redirected.stderr.toString()).toBe(0)
    expect(readFileSync(join(home, 'redirected.bin')).equals(Buffer.concat([plain, plain]))).toBe(true)
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true)
    expect(readlinkSync('/dev/stdout')).toBe(before)
  })

  it('--in - and --out - stream through a pipeline; a FIFO output is written in place', () => {
    const round = sh(
      `cat plain.bin | kw encrypt --key-id ${keyId} --in - --out - | kw decrypt --key-id ${keyId} --in - --out - | sha256sum`,
    )
    expect(round.status, round.stderr.toString()).toBe(0)
    expect(round.stdout.toString()).toBe(`${sha(plain)}  -\n`)
    const file = own('fifo')
    const fifo = sh(
      `mkfifo '${file('pipe')}' && (sha256sum < '${file('pipe')}' > '${file('sum')}' &) && kw decrypt --key-id ${keyId} --in plain.kwe --out '${file('pipe')}' && wait && sleep 0.2`,
    )
    expect(fifo.status, fifo.stderr.toString()).toBe(0)
    expect(readFileSync(file('sum'), 'utf8')).toBe(`${sha(plain)}  -\n`)
    expect(lstatSync(file('pipe')).isFIFO()).toBe(true)
  })

  it('decrypt refuses to overwrite an existing file; --force replaces it atomically, through a symlink', async () => {
    const file = own('force')
    writeFileSync(file('report.pdf'), 'the original report')
    const refused = await keyward(home, [
      'decrypt',
      '--key-id',
      keyId,
      '--in',
      join(home, 'plain.kwe'),
      '--out',
      file('report.pdf'),
    ])
    expectFailure(refused, /--out .*report\.pdf exists; pass --force to replace it/)
    expect(refused.code).toBe(1)
    expect(readFileSync(file('report.pdf'), 'utf8')).toBe('the original report')
    symlinkSync(file('report.pdf'), file('latest.pdf'))
    const forced = await keyward(home, [
      'decrypt',
      '--key-id',
      keyId,
      '--in',
      join(home, 'plain.kwe'),
      '--out',
      file('latest.pdf'),
      '--force',
    ])
    expect(forced.code, forced.stderr).toBe(0)
    expect(lstatSync(file('latest.pdf')).isSymbolicLink()).toBe(true)
    expect(readFileSync(file('report.pdf')).equals(plain)).toBe(true)
    expect(readdirSync(file('.')).sort()).toEqual(['latest.pdf', 'report.pdf'])
  })

  it('kill -9 mid-write leaves no file at all: the output is an unnamed O_TMPFILE until complete', async () => {
    const file = own('kill9')
    writeFileSync(file('huge.bin'), '')
    truncateSync(file('huge.bin'), 512 * 1024 * 1024)
    const child = spawn(
      process.execPath,
      [BIN, 'encrypt', '--key-id', keyId, '--in', file('huge.bin'), '--out', file('huge.kwe')],
      { env: cliEnv(home), cwd: home },
    )
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    expect(await writingUnnamed(child.pid as number, file('.')), stderr).toBe(true)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(readdirSync(file('.'))).toEqual(['huge.bin'])
  })

  it('without ln(1) to link the unnamed file, the finished output is copied into place through a temp file, leaving nothing else', async () => {
    const file = own('noln')
    const r = await keyward(
      home,
      ['decrypt', '--key-id', keyId, '--in', join(home, 'plain.kwe'), '--out', file('out.bin')],
      { env: { PATH: '/nonexistent' } },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(file('out.bin')).equals(plain)).toBe(true)
    expect(readdirSync(file('.'))).toEqual(['out.bin'])
  })

  it("with named temp files (filesystems without O_TMPFILE), a killed run's temp file is swept by the next run there; a live one is kept", async () => {
    const file = own('named')
    writeFileSync(file('huge.bin'), '')
    truncateSync(file('huge.bin'), 512 * 1024 * 1024)
    const env = { KEYWARD_OUTPUT_TEMP: 'named' }
    const child = spawn(
      process.execPath,
      [BIN, 'encrypt', '--key-id', keyId, '--in', file('huge.bin'), '--out', file('huge.kwe')],
      { env: cliEnv(home, env), cwd: home },
    )
    const exited = new Promise<unknown>((res) => child.on('exit', res))
    const tempOf = (): string | undefined =>
      readdirSync(file('.')).find((n) => /^\.huge\.kwe\.keyward-\d+\.[0-9a-f]{12}\.tmp$/.test(n))
    for (let i = 0; i < 3000 && !tempOf(); i++) await new Promise((r) => setTimeout(r, 10))
    expect(tempOf()).toContain(`keyward-${child.pid}.`)
    child.kill('SIGKILL')
    await exited
    expect(tempOf()).toBeDefined() // the process could not clean up...
    const live = `.other.keyward-${process.pid}.0123456789ab.tmp` // ...and this one belongs to a running process
    writeFileSync(file(live), 'in progress')
    writeFileSync(file('small.txt'), 'small')
    const next = await keyward(
      home,
      ['encrypt', '--key-id', keyId, '--in', file('small.txt'), '--out', file('small.kwe')],
      { env },
    )
    expect(next.code, next.stderr).toBe(0)
    expect(tempOf()).toBeUndefined() // ...so the next run in that folder removed it
    expect(existsSync(file(live))).toBe(true)
  })

  it('Ctrl-C on a terminal: the progress bar hid the cursor, the interrupted run shows it again and exits 130', () => {
    const script = requireScript()
    const file = own('cursor')
    writeFileSync(file('huge.bin'), '')
    truncateSync(file('huge.bin'), 1024 * 1024 * 1024)
    // Under script(1) stderr is a terminal; the interrupt comes once output is being written (the bar is drawn).
    writeFileSync(
      file('run.sh'),
      `'${process.execPath}' '${BIN}' encrypt --key-id ${keyId} --in '${file('huge.bin')}' --out '${file('huge.kwe')}' & p=$!
for i in $(seq 600); do
  for f in /proc/$p/fd/*; do case "$(readlink $f)" in *'(deleted)') [ "$(stat -L -c %s $f)" -gt 0 ] && break 3;; esac; done
  sleep 0.1
done
sleep 0.3; kill -INT $p; wait $p; echo "exit=$?"`,
    )
    const r = spawnSync(script, ['-qec', `bash '${file('run.sh')}'`, '/dev/null'], {
      env: cliEnv(home),
      cwd: home,
      encoding: 'utf8',
    })
    const out = r.stdout
    expect(out).toContain('\u001b[?25l') // hidden by the bar
    expect(out.lastIndexOf('\u001b[?25h')).toBeGreaterThan(out.lastIndexOf('\u001b[?25l'))
    expect(out).toMatch(/exit=130/)
    expect(readdirSync(file('.')).sort()).toEqual(['huge.bin', 'run.sh'])
  })
})
