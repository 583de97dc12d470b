/**
 * Server benchmark: 16 concurrent Encrypt calls through the real Tencent Cloud SDK, against
 *   (a) keyward serve (TC3 verification, account lookup, policy, software-provider AES-256-GCM, SQLite audit chain) and
 *   (b) a bare node:http stub that returns a canned Encrypt response,
 * both measured in this run. Target: server ≥ 0.8 × stub req/s. Server and stub each run in their own child process
 * (as a deployed server would), so the SDK client's own cost is not charged to the server.
 *   npx tsx bench/server.bench.ts            (npm run bench -- server)
 *   SERVER_BENCH_CALLS=4000 sets the calls per round (default 2000).
 * Each figure is the best of several rounds, alternating server and stub, because the machine is shared.
 */
import { randomBytes } from 'node:crypto'
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { kms } from 'tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '../providers/software/src/index.js'
import { startServer } from '../packages/server/src/index.js'

const CONCURRENCY = 16
const CALLS = Number(process.env['SERVER_BENCH_CALLS'] ?? 2000)
const ROUNDS = 6
const ID = 'AKIDbench000000000000000000000001'
const KEY = 'benchsecretkey00000000000000001'

type Client = InstanceType<typeof kms.v20190118.Client>
const client = (url: string): Client => new kms.v20190118.Client({
  credential: { secretId: ID, secretKey: KEY },
  region: 'ap-guangzhou',
  profile: { httpProfile: { endpoint: url.replace('http://', ''), protocol: 'http://' } },
})

/** Child process: the bare stub. */
async function serveStub(): Promise<string> {
  const canned = JSON.stringify({ Response: { CiphertextBlob: randomBytes(60).toString('base64'), KeyId: '00000000-0000-0000-0000-000000000000', RequestId: '00000000-0000-0000-0000-000000000001' } })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(canned)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
}

/** Child process: keyward serve over the software provider, SQLite key store and SQLite server store. */
async function serveKeyward(dir: string): Promise<string> {
  const rootKey = randomBytes(32)
  const provider = new SoftwareKeyProvider({ store: SqliteKeyStore.open(join(dir, 'keys.db')), rootKey: RootKey.fromBytes(rootKey) })
  const server = await startServer({
    provider, ownsProvider: true, store: { sqlite: join(dir, 'server.db') }, rootKey,
    bootstrap: { secretId: ID, secretKey: KEY }, rateLimits: { default: 0 },
  })
  process.on('disconnect', () => void server.close().then(() => process.exit(0)))
  return server.url
}

/** Starts this file again as a child serving `kind`; resolves with its URL. */
interface Child {
  url: string
  stop: () => void
  /** CPU time the child has used so far, µs. */
  cpu: () => Promise<number>
}

function child(kind: 'stub' | 'keyward', dir: string): Promise<Child> {
  const proc = fork(import.meta.filename, ['--serve', kind, dir], { execArgv: ['--import', 'tsx', ...(process.env['SERVER_BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])], stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    proc.once('message', (url) => resolve({
      url: String(url),
      stop: () => proc.disconnect(),
      cpu: () => new Promise((r) => {
        proc.once('message', (m) => r(Number(m)))
        proc.send('cpu')
      }),
    }))
    proc.once('exit', (code) => reject(new Error(`${kind} child exited with ${String(code)}`)))
  })
}

/** Calls per second, and CPU µs per call of the client (this process) and of the serving child. */
async function run(c: Client, keyId: string, target: Child): Promise<{ rps: number; clientUs: number; serverUs: number }> {
  const cpu0 = process.cpuUsage()
  const server0 = await target.cpu()
  const plaintext = randomBytes(64).toString('base64')
  let issued = 0
  const t = process.hrtime.bigint()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (issued < CALLS) {
      issued += 1
      await c.Encrypt({ KeyId: keyId, Plaintext: plaintext })
    }
  }))
  const rps = CALLS / (Number(process.hrtime.bigint() - t) / 1e9)
  const cpu = process.cpuUsage(cpu0)
  return { rps, clientUs: (cpu.user + cpu.system) / CALLS, serverUs: ((await target.cpu()) - server0) / CALLS }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-server-'))
  const server = await child('keyward', dir)
  const baseline = await child('stub', dir)
  try {
    const real = client(server.url)
    const fake = client(baseline.url)
    const keyId = (await real.CreateKey({ Alias: 'bench' })).KeyId!
    await run(real, keyId, server)
    await run(fake, keyId, baseline)
    let bestServer = { rps: 0, clientUs: 0, serverUs: 0 }
    let bestStub = { rps: 0, clientUs: 0, serverUs: 0 }
    for (let r = 0; r < ROUNDS; r++) {
      const a = await run(real, keyId, server)
      if (a.rps > bestServer.rps) bestServer = a
      const b = await run(fake, keyId, baseline)
      if (b.rps > bestStub.rps) bestStub = b
    }
    const us = (x: number): string => `${x.toFixed(0)} µs`
    console.log(`Encrypt via tencentcloud-sdk-nodejs, ${CONCURRENCY} concurrent, ${CALLS} calls/round, best of ${ROUNDS}`)
    console.log(`  keyward serve : ${bestServer.rps.toFixed(0)} req/s  (CPU per call: server ${us(bestServer.serverUs)}, SDK client ${us(bestServer.clientUs)})`)
    console.log(`  bare stub     : ${bestStub.rps.toFixed(0)} req/s  (CPU per call: stub ${us(bestStub.serverUs)}, SDK client ${us(bestStub.clientUs)})`)
    console.log(`  ratio         : ${(bestServer.rps / bestStub.rps).toFixed(2)}x  (target >= 0.80x)`)
  } finally {
    server.stop()
    baseline.stop()
    await new Promise((r) => setTimeout(r, 300))
    rmSync(dir, { recursive: true, force: true })
  }
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex > 0) {
  const kind = process.argv[serveIndex + 1]
  const url = kind === 'stub' ? await serveStub() : await serveKeyward(process.argv[serveIndex + 2] ?? tmpdir())
  if (kind === 'stub') process.on('disconnect', () => process.exit(0))
  process.on('message', () => {
    const c = process.cpuUsage()
    process.send?.(c.user + c.system)
  })
  process.send?.(url)
} else {
  await main()
}
