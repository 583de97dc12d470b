/**
 * The built `keyward` binary, attacked as issue 11 describes: `serve` over TLS (SIGHUP reload, mutual TLS),
 * refusing plain HTTP off loopback, strict signing from the config file, never printing a supplied SecretKey or
 * losing the dev one to a failed bind; `audit checkpoint` / `audit verify --checkpoint` against a cut, rewound,
 * wiped or dropped log (read-only: verify creates nothing); `account rotate-secret`.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { connect } from 'node:tls'
import Database from 'better-sqlite3'
import { kms as sdk } from 'tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { makeCa, makeCert, type PemPair } from '../../../test/attack/test-certs.js'
import { BIN, cliEnv, expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

interface Serving {
  url: string
  out: () => string
  err: () => string
  kill(signal: NodeJS.Signals): void
  exited: Promise<number | null>
}

/** `keyward serve --port 0 ...args`; resolves once it prints `listening on`, rejects if it exits first. */
function serve(home: string, args: string[], env: Record<string, string> = {}): Promise<Serving> {
  mkdirSync(home, { recursive: true })
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: cliEnv(home, env),
    cwd: home,
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyward serve did not start: ${out}${err}`)), 30_000)
    child.stdout.on('data', () => {
      const m = /listening on (https?:\/\/\S+)\n/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ url: m[1] as string, out: () => out, err: () => err, kill: (s) => child.kill(s), exited })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`keyward serve exited with ${code}: ${out}${err}`), { out, err, code }))
    })
  })
}

function client(url: string, creds: { secretId: string; secretKey: string }, agent?: Agent) {
  const [protocol, endpoint] = url.split('://') as [string, string]
  return new sdk.v20190118.Client({
    credential: creds,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint, protocol: `${protocol}://`, ...(agent ? { agent } : {}) } },
  })
}

function credsOf(text: string): { secretId: string; secretKey: string } {
  return { secretId: /SecretId:\s+(\S+)/.exec(text)?.[1] ?? '', secretKey: /SecretKey:\s+(\S+)/.exec(text)?.[1] ?? '' }
}

function peerName(url: string, ca: Buffer): Promise<string> {
  const port = Number(new URL(url).port)
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(String(s.getPeerCertificate().subject.CN))
      s.end()
    })
    s.on('error', reject)
  })
}

describe('keyward serve: transport security and credentials', { timeout: SLOW_TEST_MS }, () => {
  let dir: string
  let remove = (): void => undefined
  let ca: PemPair
  let cert: PemPair
  beforeAll(() => {
    requireBuiltCli()
    ;({ dir, remove } = tempDir('keyward-cli-tls-'))
    ca = makeCa(dir, 'cli-ca')
    cert = makeCert(dir, ca, 'serve-1', 'server')
  })
  afterAll(() => remove())

  it('refuses plain HTTP on a non-loopback address unless --insecure-http; --tls-cert needs --tls-key', async () => {
    const home = join(dir, 'home-bind')
    const refused = await serve(home, ['--host', '0.0.0.0']).catch((e: { err: string; code: number }) => e)
    expect((refused as { code: number }).code).not.toBe(0)
    expect((refused as { err: string }).err).toMatch(/Refusing plain HTTP on 0\.0\.0\.0/)
    expectFailure(
      await keyward(home, ['serve', '--port', '0', '--tls-cert', cert.certFile]),
      /--tls-cert and --tls-key go together/,
    )
    const insecure = await serve(home, ['--host', '0.0.0.0', '--insecure-http'])
    expect(insecure.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
    insecure.kill('SIGTERM')
    expect(await insecure.exited).toBe(0)
  })

  it('serves HTTPS from --tls-cert/--tls-key, and SIGHUP re-reads them; the real SDK with the CA trusted works', async () => {
    const home = join(dir, 'home-tls')
    const s = await serve(home, ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile])
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(s.out()).toContain("protocol: 'https://'")
      const creds = credsOf(s.out())
      expect((await client(s.url, creds, new Agent({ ca: ca.cert })).GetRegions()).Regions).toEqual(['ap-guangzhou'])
      expect(await peerName(s.url, ca.cert)).toBe('serve-1')
      const renewed = makeCert(dir, ca, 'serve-2', 'server')
      copyFileSync(renewed.certFile, cert.certFile)
      copyFileSync(renewed.keyFile, cert.keyFile)
      s.kill('SIGHUP')
      await new Promise((r) => setTimeout(r, 500))
      expect(s.err()).toContain('TLS certificate and key reloaded')
      expect(await peerName(s.url, ca.cert)).toBe('serve-2')
    } finally {
      s.kill('SIGTERM')
    }
    expect(await s.exited).toBe(0)
  })

  it('server.tls and server.strictSigning in the config file: HTTPS, and a stock SDK request is refused', async () => {
    const home = tempDir('keyward-cli-strict-')
    try {
      writeFileSync(
        join(home.dir, 'keyward.config.json'),
        JSON.stringify({ server: { strictSigning: true, tls: { certFile: cert.certFile, keyFile: cert.keyFile } } }),
      )
      const s = await serve(home.dir, [])
      try {
        expect(s.out()).toContain('strict signing')
        expect(s.url).toMatch(/^https:/)
        await expect(client(s.url, credsOf(s.out()), new Agent({ ca: ca.cert })).GetRegions()).rejects.toMatchObject({
          code: 'AuthFailure.InvalidAuthorization',
        })
      } finally {
        s.kill('SIGTERM')
      }
      await s.exited
    } finally {
      home.remove()
    }
  })

  it('a SecretKey from KEYWARD_BOOTSTRAP_SECRET_KEY is never printed', async () => {
    const home = join(dir, 'home-bootstrap')
    const secretKey = 'supplied-never-printed-secret-0001'
    const s = await serve(home, [], {
      KEYWARD_BOOTSTRAP_SECRET_ID: 'AKIDsuppliedcli00000000000000001',
      KEYWARD_BOOTSTRAP_SECRET_KEY: secretKey,
    })
    s.kill('SIGTERM')
    await s.exited
    expect(s.out() + s.err()).not.toContain(secretKey)
    expect(s.out()).toContain('AKIDsuppliedcli00000000000000001')
  })

  it('a start that cannot bind creates no account; the next one shows the dev credentials; account rotate-secret replaces them', async () => {
    const home = join(dir, 'home-busy')
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = String((blocker.address() as { port: number }).port)
    mkdirSync(home, { recursive: true })
    const busy = await keyward(home, ['serve', '--port', port, '--log-level', 'warn'])
    await new Promise((r) => blocker.close(r))
    expect(busy.code).not.toBe(0)
    expect(busy.stdout + busy.stderr).not.toMatch(/SecretKey/)
    const s = await serve(home, [])
    try {
      const first = credsOf(s.out())
      await client(s.url, first).GetRegions()
      const rotated = await keyward(home, ['account', 'rotate-secret'])
      expect(rotated.code, rotated.stderr).toBe(0)
      const second = credsOf(rotated.stdout)
      expect(second.secretId).toBe(first.secretId)
      expect(second.secretKey).not.toBe(first.secretKey)
      await new Promise((r) => setTimeout(r, 2_100)) // the server's account cache
      await expect(client(s.url, first).GetRegions()).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure' })
      expect((await client(s.url, second).GetRegions()).Regions).toEqual(['ap-guangzhou'])
    } finally {
      s.kill('SIGTERM')
    }
    await s.exited
    mkdirSync(join(dir, 'home-empty'))
    expectFailure(await keyward(join(dir, 'home-empty'), ['account', 'rotate-secret']), /No server store in/)
    expectFailure(
      await keyward(home, ['account', 'rotate-secret', '--account', 'nobody']),
      /InvalidParameterValue: No account named nobody/,
    )
  })
})

describe('keyward audit checkpoint / verify --checkpoint', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-checkpoint-'))
  })
  afterAll(() => remove())

  it('a log that no longer extends the checkpoint fails: tail cut and head rewound, wiped, dropped; verify creates nothing', async () => {
    const keyId = (await kms(home, 'CreateKey', { Alias: 'cp' }))['KeyId'] as string
    await kms(home, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })
    const cp = await keyward(home, ['audit', 'checkpoint'])
    expect(cp.code, cp.stderr).toBe(0)
    expect(JSON.parse(cp.stdout)).toMatchObject({ type: 'keyward-audit-checkpoint', entries: 3 })
    const file = join(home, 'checkpoint.json')
    writeFileSync(file, cp.stdout)
    await kms(home, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })
    const ok = await keyward(home, ['audit', 'verify', '--checkpoint', file])
    expect(ok.stdout).toMatch(
      /^audit log ok: 4 entries, hash chain and MACs intact; extends the checkpoint of .* \(3 entries\)\n$/,
    )

    const db = new Database(join(home, 'server.db'))
    const rows = db.prepare('SELECT * FROM srv_audit ORDER BY seq').all() as Array<Record<string, unknown>>
    const headAt = (seq: number) =>
      db.prepare('UPDATE srv_audit_head SET seq = ?, hash = ? WHERE id = 1').run(seq, rows[seq - 1]!['hash'])
    try {
      // Tail cut to #2 and the head rewound to match it.
      db.prepare('DELETE FROM srv_audit WHERE seq > 2').run()
      headAt(2)
      expectFailure(await keyward(home, ['audit', 'verify', '--checkpoint', file]), /^audit log TAMPERED at entry #3: /)
      // Wiped.
      db.prepare('DELETE FROM srv_audit').run()
      db.prepare('DELETE FROM srv_audit_head').run()
      expectFailure(await keyward(home, ['audit', 'verify', '--checkpoint', file]), /TAMPERED/)
      expectFailure(await keyward(home, ['audit', 'verify']), /empty but the store holds accounts/)
      // Dropped: reported, and still dropped afterwards.
      db.prepare('DROP TABLE srv_audit').run()
      expectFailure(await keyward(home, ['audit', 'verify', '--checkpoint', file]), /srv_audit is missing/)
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'srv_audit'").all()).toEqual([])
      // A checkpoint altered (or of another store) is refused before anything is read.
      writeFileSync(join(home, 'forged.json'), cp.stdout.replace('"entries":3', '"entries":2'))
      expectFailure(
        await keyward(home, ['audit', 'verify', '--checkpoint', join(home, 'forged.json')]),
        /signature does not verify/,
      )
      expectFailure(await keyward(home, ['audit', 'verify', '--checkpoint', '/dev/null']), /not a regular file/)
    } finally {
      db.close()
    }
  })
})
