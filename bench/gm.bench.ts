/**
 * 国密 benchmark (@keyward/gm): ratios against baselines measured in this same run (no absolute targets).
 *   npx tsx bench/gm.bench.ts            (npm run bench -- gm)
 * SM2 sign/verify vs sm-crypto (hash: true, der: true, default user id — the same work on both sides); verify
 * both for any key (native route) and for a hot key (one verified ≥ 16 times, served from its tables);
 * SM4-GCM vs OpenSSL sm4-ctr (the keystream alone: GCM's ceiling) and sm-crypto's SM4-CBC, on 4 MiB buffers.
 * Rates are per CPU-second of this process (process.cpuUsage, all its threads, GC included), best of several
 * rounds alternating candidate and baseline: on a shared machine wall time mostly measures the neighbours.
 * Wall-clock rates are printed beside them.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import smCrypto from 'sm-crypto'
import {
  configureSm2VerifyCache,
  createSm4GcmCipher,
  sm2GenerateKeyPair,
  sm2Sign,
  sm2Verify,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
} from '../packages/gm/src/index.js'

const { sm2, sm4 } = smCrypto
const ROUNDS = 3
const MiB = 1024 * 1024

interface Rate {
  /** Operations per CPU-second. */
  cpu: number
  /** Operations per wall-clock second. */
  wall: number
}

/** Rates of `fn`, run for about `seconds` of wall time (at least once). */
function rate(fn: () => unknown, seconds: number): Rate {
  const cpu0 = process.cpuUsage()
  const start = process.hrtime.bigint()
  const limit = start + BigInt(Math.round(seconds * 1e9))
  let n = 0
  let now = start
  while (n === 0 || now < limit) {
    fn()
    n++
    now = process.hrtime.bigint()
  }
  const cpu = process.cpuUsage(cpu0)
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / (Number(now - start) / 1e9) }
}

/** Best rates of each candidate over ROUNDS alternating rounds. */
function best(seconds: number, fns: Array<() => unknown>): Rate[] {
  const out = fns.map(() => ({ cpu: 0, wall: 0 }))
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, f] of fns.entries()) {
      const x = rate(f, seconds)
      out[i] = { cpu: Math.max(out[i]!.cpu, x.cpu), wall: Math.max(out[i]!.wall, x.wall) }
    }
  }
  return out
}

/** One line: CPU rate, ratio to the baseline's CPU rate, and the wall-clock rate. */
const row = (label: string, unit: string, value: Rate, baseline?: Rate): void => {
  const ratio = baseline === undefined ? '' : `${(value.cpu / baseline.cpu).toFixed(2)}×`
  console.log(
    `${label.padEnd(44)} ${value.cpu.toFixed(1).padStart(9)} ${unit.padEnd(6)} ${ratio.padStart(8)}   (wall ${value.wall.toFixed(1)})`,
  )
}
const scaled = (r: Rate, bytes: number): Rate => ({ cpu: (r.cpu * bytes) / MiB, wall: (r.wall * bytes) / MiB })

function sm2Bench(): void {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  const dHex = privateKey.toString('hex')
  const pHex = publicKey.toString('hex')
  const msg = randomBytes(32)
  const msgArr = Array.from(msg)
  const sig = sm2Sign(privateKey, msg, { publicKey })
  const sigHex = sig.toString('hex')
  if (!sm2Verify(publicKey, msg, sig) || !sm2.doVerifySignature(msgArr, sigHex, pHex, { hash: true, der: true }))
    throw new Error('SM2 self-check failed')
  const [ourSign, theirSign] = best(1.5, [
    () => sm2Sign(privateKey, msg, { publicKey }),
    () => sm2.doSignature(msgArr, dHex, { hash: true, der: true, publicKey: pHex }),
  ])
  // Without tables: the route every key takes until it has been verified against `hotAfter` times.
  configureSm2VerifyCache({ maxKeys: 0 })
  const [ourVerify, theirVerify] = best(1.5, [
    () => sm2Verify(publicKey, msg, sig),
    () => sm2.doVerifySignature(msgArr, sigHex, pHex, { hash: true, der: true }),
  ])
  configureSm2VerifyCache({ maxKeys: 4, hotAfter: 16 })
  const [hotVerify] = best(1.5, [() => sm2Verify(publicKey, msg, sig)])
  console.log('SM2 (32-byte message, Z with user id 1234567812345678, DER), operations per CPU-second')
  row('  sm-crypto sign (baseline)', 'op/s', theirSign!)
  row('  @keyward/gm sm2Sign', 'op/s', ourSign!, theirSign!)
  row('  sm-crypto verify (baseline)', 'op/s', theirVerify!)
  row('  @keyward/gm sm2Verify (any key)', 'op/s', ourVerify!, theirVerify!)
  row('  @keyward/gm sm2Verify (hot key, tables)', 'op/s', hotVerify!, theirVerify!)
}

function sm4Bench(): void {
  const key = randomBytes(16)
  const iv = randomBytes(12)
  const data = randomBytes(4 * MiB)
  const small = data.subarray(0, MiB)
  const enc = sm4GcmEncrypt(key, iv, data)
  const ctr = (): void => {
    const c = createCipheriv('sm4-ctr', key, Buffer.alloc(16, 1))
    c.update(data)
    c.final()
  }
  const gcmStream = (): void => {
    const c = createSm4GcmCipher(key, iv)
    for (let o = 0; o < data.length; o += 64 * 1024) c.update(data.subarray(o, o + 64 * 1024))
    c.final()
    c.getAuthTag()
  }
  const keyHex = key.toString('hex')
  const smallArr = Array.from(small)
  const [ctrRate, encRate, decRate, streamRate, aesRate] = best(1.2, [
    ctr,
    () => sm4GcmEncrypt(key, iv, data),
    () => sm4GcmDecrypt(key, iv, enc.ciphertext, Buffer.alloc(0), enc.tag),
    gcmStream,
    () => {
      const c = createCipheriv('aes-128-gcm', key, iv)
      c.update(data)
      c.final()
    },
  ])
  // sm-crypto's SM4 is pure JS and slow: one 1 MiB CBC pass per round is enough.
  const [smCryptoRate] = best(0.1, [
    () => sm4.encrypt(smallArr, keyHex, { mode: 'cbc', iv: '00'.repeat(16), output: 'array' }),
  ])
  const ctrMb = scaled(ctrRate!, data.length)
  console.log('SM4 (4 MiB buffers; sm-crypto on 1 MiB), MiB per CPU-second')
  row('  OpenSSL sm4-ctr (baseline)', 'MiB/s', ctrMb)
  row('  sm-crypto SM4-CBC', 'MiB/s', scaled(smCryptoRate!, small.length), ctrMb)
  row('  @keyward/gm sm4GcmEncrypt', 'MiB/s', scaled(encRate!, data.length), ctrMb)
  row('  @keyward/gm sm4GcmDecrypt', 'MiB/s', scaled(decRate!, data.length), ctrMb)
  row('  @keyward/gm SM4-GCM stream, 64 KiB chunks', 'MiB/s', scaled(streamRate!, data.length), ctrMb)
  row('  (reference) OpenSSL aes-128-gcm', 'MiB/s', scaled(aesRate!, data.length), ctrMb)
  const vsSmCrypto = scaled(encRate!, data.length).cpu / scaled(smCryptoRate!, small.length).cpu
  console.log(`  sm4GcmEncrypt vs sm-crypto SM4-CBC: ${vsSmCrypto.toFixed(1)}×`)
}

sm2Bench()
sm4Bench()
