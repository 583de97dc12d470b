/**
 * Envelope benchmark: ratios against baselines measured in this same run (no absolute targets).
 *   npx tsx bench/envelope.bench.ts            (npm run bench -- envelope)
 *   ENVELOPE_BENCH_RSS_GIB=1 sets the size of the RSS stream (default 1 GiB).
 * Each figure is the best of several rounds, alternating candidate and baseline, because the machine is shared;
 * times are CPU seconds of this process (ENVELOPE_BENCH_WALL=1 for wall-clock seconds).
 */
import { spawnSync } from 'node:child_process'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  NodeCachingMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  buildClient,
  getLocalCryptographicMaterialsCache,
} from '@aws-crypto/client-node'
import { EnvelopeClient, RawAesMasterKey } from '../packages/flows/src/envelope/index.js'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const key = randomBytes(32)
const chunksOf = (b: Buffer, n = CHUNK): Buffer[] =>
  Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n))

// Ratios use the process's CPU time (user + system), not wall time: on a machine shared by many builds the
// wall clock mostly measures the neighbours. Both candidates run in this process, alternately.
const USE_WALL = process.env.ENVELOPE_BENCH_WALL === '1'
async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const c = process.cpuUsage()
  const t = process.hrtime.bigint()
  await fn()
  if (USE_WALL) return Number(process.hrtime.bigint() - t) / 1e9
  const d = process.cpuUsage(c)
  return (d.user + d.system) / 1e6
}
async function best(rounds: number, fns: Array<() => Promise<unknown> | unknown>): Promise<number[]> {
  const out = fns.map(() => Infinity)
  for (let r = 0; r < rounds; r++)
    for (const [i, f] of fns.entries()) out[i] = Math.min(out[i] as number, await time(f))
  return out
}
async function drain(it: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const c of it) n += c.length
  return n
}
const fmt = (x: number): string => x.toFixed(2)
const OPS = USE_WALL ? 'ops/s' : 'ops/CPU-s'
const mbps = (bytes: number, s: number): string => `${(bytes / MiB / s).toFixed(0)} MiB/${USE_WALL ? 's' : 'CPU-s'}`

const client = new EnvelopeClient({ keyring: new RawAesMasterKey({ namespace: 'bench', keyId: 'k1', key }) })

async function streams(): Promise<void> {
  const data = randomBytes(64 * MiB)
  const dataChunks = chunksOf(data)
  // Baseline: one raw AES-256-GCM over the same 64 KiB chunks, output consumed the same way.
  const iv = randomBytes(12)
  let rawCt: Buffer[] = []
  let rawTag = Buffer.alloc(16)
  const rawEnc = async (): Promise<void> => {
    const c = createCipheriv('aes-256-gcm', key, iv)
    rawCt = []
    for await (const d of (async function* () {
      yield* dataChunks
    })())
      rawCt.push(c.update(d))
    c.final()
    rawTag = c.getAuthTag()
  }
  const rawDec = async (): Promise<void> => {
    const d = createDecipheriv('aes-256-gcm', key, iv)
    d.setAuthTag(rawTag)
    for await (const c of (async function* () {
      yield* rawCt
    })())
      d.update(c)
    d.final()
  }
  let parts: Buffer[] = []
  const kwEnc = async (): Promise<void> => {
    parts = []
    for await (const c of client.encryptStream(dataChunks)) parts.push(c)
  }
  await kwEnc()
  await rawEnc()
  const msgChunks = chunksOf(Buffer.concat(parts))
  const kwDec = async (): Promise<number> => drain(client.decryptStream(msgChunks))
  const [tKwE, tRawE] = await best(7, [kwEnc, rawEnc])
  const [tKwD, tRawD] = await best(7, [kwDec, rawDec])
  console.log(
    `64 MiB stream encrypt: keyward ${mbps(data.length, tKwE!)}, raw AES-256-GCM ${mbps(data.length, tRawE!)} → ${fmt(tRawE! / tKwE!)}× (target ≥ 0.85×)`,
  )
  console.log(
    `64 MiB stream decrypt: keyward ${mbps(data.length, tKwD!)}, raw AES-256-GCM ${mbps(data.length, tRawD!)} → ${fmt(tRawD! / tKwD!)}× (target ≥ 0.85×)`,
  )

  // The AWS Encryption SDK, raw AES keyring, unsigned committing suite, its default frame (4096).
  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const keyring = new RawAesKeyringNode({
    keyName: 'k1',
    keyNamespace: 'bench',
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  })
  const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY
  let esdkMsg: Buffer = Buffer.alloc(0)
  const esdkEnc = async (): Promise<void> => {
    esdkMsg = (await esdk.encrypt(keyring, data, { suiteId })).result
  }
  const esdkDec = async (): Promise<void> => {
    await esdk.decrypt(keyring, esdkMsg)
  }
  const [tEsE] = await best(2, [esdkEnc])
  const [tEsD] = await best(2, [esdkDec])
  console.log(
    `64 MiB vs AWS Encryption SDK: encrypt ${mbps(data.length, tEsE!)} → keyward ${fmt(tEsE! / tKwE!)}×, decrypt ${mbps(data.length, tEsD!)} → keyward ${fmt(tEsD! / tKwD!)}× (target ≥ 5×)`,
  )
}

async function smallMessages(): Promise<void> {
  // Short batches, alternated and repeated: on a shared machine a long run of one candidate can land in a
  // busy period; the best batch of each is the fairest comparison.
  const N = 2_000
  const pt = randomBytes(1024)
  const cached = new EnvelopeClient({
    keyring: new RawAesMasterKey({ namespace: 'bench', keyId: 'k1', key }),
    cache: { maxMessages: 1_000_000 },
  })
  const raw = (): void => {
    for (let i = 0; i < N; i++) {
      const c = createCipheriv('aes-256-gcm', key, randomBytes(12))
      c.update(pt)
      c.final()
      c.getAuthTag()
    }
  }
  const kw = async (): Promise<void> => {
    for (let i = 0; i < N; i++) await cached.encrypt(pt, { encryptionContext: { purpose: 'bench' } })
  }
  const msg = await cached.encrypt(pt, { encryptionContext: { purpose: 'bench' } })
  const kwDec = async (): Promise<void> => {
    for (let i = 0; i < N; i++) await cached.decrypt(msg)
  }
  const [tKw, tRaw] = await best(15, [kw, raw])
  const [tKwD] = await best(15, [kwDec])
  const ops = (s: number, n = N): number => Math.round(n / s) // per CPU-second (or second, with ENVELOPE_BENCH_WALL=1)
  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const keyring = new RawAesKeyringNode({
    keyName: 'k1',
    keyNamespace: 'bench',
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  })
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(100),
    maxAge: 300_000,
    maxMessagesEncrypted: 1_000_000,
  })
  const NE = 2000
  const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY
  const [tEs] = await best(2, [
    async () => {
      for (let i = 0; i < NE; i++)
        await esdk.encrypt(cmm, pt, { suiteId, encryptionContext: { purpose: 'bench' }, plaintextLength: pt.length })
    },
  ])
  console.log(
    `1 KiB encrypt, data-key cache on: keyward ${ops(tKw!)} ${OPS}, raw AES-256-GCM ${ops(tRaw!)} ${OPS} → ${fmt(tRaw! / tKw!)}× (target ≥ 0.25×); decrypt ${ops(tKwD!)} ${OPS}`,
  )
  console.log(
    `1 KiB encrypt vs AWS Encryption SDK (caching CMM): ESDK ${ops(tEs!, NE)} ${OPS} → keyward ${fmt(ops(tKw!) / ops(tEs!, NE))}× (target ≥ 10×)`,
  )
}

async function sm4(): Promise<void> {
  const data = randomBytes(64 * MiB)
  const dataChunks = chunksOf(data)
  const sm4Client = new EnvelopeClient({
    keyring: new RawAesMasterKey({ namespace: 'bench', keyId: 'k1', key }),
    suite: 'SM4_GCM_HKDF_SM3_COMMIT',
  })
  const ctr = async (): Promise<void> => {
    const c = createCipheriv('sm4-ctr', key.subarray(0, 16), randomBytes(16))
    for await (const d of (async function* () {
      yield* dataChunks
    })())
      c.update(d)
    c.final()
  }
  let parts: Buffer[] = []
  const kwEnc = async (): Promise<void> => {
    parts = []
    for await (const c of sm4Client.encryptStream(dataChunks)) parts.push(c)
  }
  await kwEnc()
  const msgChunks = chunksOf(Buffer.concat(parts))
  const kwDec = async (): Promise<number> => drain(sm4Client.decryptStream(msgChunks))
  const [tE, tD, tC] = await best(3, [kwEnc, kwDec, ctr])
  console.log(
    `64 MiB SM4-GCM suite: encrypt ${mbps(data.length, tE!)}, decrypt ${mbps(data.length, tD!)}; OpenSSL sm4-ctr ${mbps(data.length, tC!)} → ${fmt(tC! / tE!)}× / ${fmt(tC! / tD!)}× (target ≥ 0.7×)`,
  )
}

async function rss(): Promise<void> {
  const gib = Number(process.env.ENVELOPE_BENCH_RSS_GIB ?? 1)
  const total = gib * 1024 * MiB
  const block = randomBytes(CHUNK)
  async function* source(): AsyncGenerator<Buffer> {
    for (let done = 0; done < total; done += CHUNK) yield block
  }
  global.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  let n = 0
  const t = await time(async () => {
    for await (const c of client.decryptStream(client.encryptStream(source()))) {
      n += c.length
      if ((n & (64 * MiB - 1)) < c.length) peak = Math.max(peak, process.memoryUsage().rss)
    }
  })
  peak = Math.max(peak, process.memoryUsage().rss)
  if (n !== total) throw new Error(`streamed ${n} of ${total} bytes`)
  console.log(
    `${gib} GiB encrypt→decrypt stream: ${mbps(total, t)}, peak RSS growth ${((peak - before) / MiB).toFixed(1)} MiB (target < 64 MiB)`,
  )
}

// ENVELOPE_BENCH=rss,streams,small,sm4 runs those sections in this process. Without it, each section runs in a
// fresh child process, so that one section's heap and GC debt do not bill the next one's CPU time.
const sections = process.env.ENVELOPE_BENCH?.split(',')
if (!sections) {
  for (const section of ['rss', 'streams', 'small', 'sm4']) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string], {
      stdio: 'inherit',
      env: { ...process.env, ENVELOPE_BENCH: section },
    })
    if (r.status !== 0) process.exit(r.status ?? 1)
  }
} else {
  if (sections.includes('rss')) await rss()
  if (sections.includes('streams')) await streams()
  if (sections.includes('small')) await smallMessages()
  if (sections.includes('sm4')) await sm4()
}
