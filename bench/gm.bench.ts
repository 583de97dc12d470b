/**
 * 国密 benchmark (@keyward/gm): ratios against baselines measured in this same run (no absolute targets).
 *   npx tsx bench/gm.bench.ts            (npm run bench -- gm)
 * SM2 sign/verify vs sm-crypto (hash: true, der: true, default user id — the same work on both sides);
 * SM4-GCM vs OpenSSL sm4-ctr (the keystream alone: GCM's ceiling) and sm-crypto's SM4-CBC, on 4 MiB buffers.
 * Each figure is the best of several rounds, alternating candidate and baseline, because the machine is shared.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import smCrypto from 'sm-crypto'
import { createSm4GcmCipher, sm2GenerateKeyPair, sm2Sign, sm2Verify, sm4GcmDecrypt, sm4GcmEncrypt } from '../packages/gm/src/index.js'

const { sm2, sm4 } = smCrypto
const ROUNDS = 3
const MiB = 1024 * 1024

/** Operations per second of `fn`, run for about `seconds`. */
function opsPerSecond(fn: () => unknown, seconds: number): number {
  const start = process.hrtime.bigint()
  const limit = start + BigInt(Math.round(seconds * 1e9))
  let n = 0
  let now = start
  while (now < limit) {
    fn()
    n++
    now = process.hrtime.bigint()
  }
  return n / (Number(now - start) / 1e9)
}

/** Best rate of each candidate over ROUNDS alternating rounds. */
function best(seconds: number, fns: Array<() => unknown>): number[] {
  const out = fns.map(() => 0)
  for (let r = 0; r < ROUNDS; r++) for (const [i, f] of fns.entries()) out[i] = Math.max(out[i]!, opsPerSecond(f, seconds))
  return out
}

const row = (label: string, value: string, ratio?: number): void => {
  console.log(`${label.padEnd(44)} ${value.padStart(14)}${ratio === undefined ? '' : `   ${ratio.toFixed(1)}×`}`)
}

function sm2Bench(): void {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  const dHex = privateKey.toString('hex')
  const pHex = publicKey.toString('hex')
  const msg = randomBytes(32)
  const msgArr = Array.from(msg)
  const sig = sm2Sign(privateKey, msg, { publicKey })
  const sigHex = sig.toString('hex')
  if (!sm2Verify(publicKey, msg, sig) || !sm2.doVerifySignature(msgArr, sigHex, pHex, { hash: true, der: true })) throw new Error('SM2 self-check failed')
  const [ourSign, theirSign] = best(1.5, [
    () => sm2Sign(privateKey, msg, { publicKey }),
    () => sm2.doSignature(msgArr, dHex, { hash: true, der: true, publicKey: pHex }),
  ])
  const [ourVerify, theirVerify] = best(1.5, [
    () => sm2Verify(publicKey, msg, sig),
    () => sm2.doVerifySignature(msgArr, sigHex, pHex, { hash: true, der: true }),
  ])
  console.log('SM2 (32-byte message, Z with user id 1234567812345678, DER)')
  row('  sm-crypto sign', `${theirSign!.toFixed(0)} /s`)
  row('  @keyward/gm sm2Sign', `${ourSign!.toFixed(0)} /s`, ourSign! / theirSign!)
  row('  sm-crypto verify', `${theirVerify!.toFixed(0)} /s`)
  row('  @keyward/gm sm2Verify', `${ourVerify!.toFixed(0)} /s`, ourVerify! / theirVerify!)
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
  const [smCryptoRate] = best(0.1, [() => sm4.encrypt(smallArr, keyHex, { mode: 'cbc', iv: '00'.repeat(16), output: 'array' })])
  const mb = (opsPerSec: number, bytes: number): number => (opsPerSec * bytes) / MiB
  const ctrMb = mb(ctrRate!, data.length)
  console.log('SM4 (4 MiB buffers; sm-crypto on 1 MiB)')
  row('  OpenSSL sm4-ctr (baseline)', `${ctrMb.toFixed(1)} MiB/s`)
  row('  sm-crypto SM4-CBC', `${mb(smCryptoRate!, small.length).toFixed(1)} MiB/s`, mb(smCryptoRate!, small.length) / ctrMb)
  row('  @keyward/gm sm4GcmEncrypt', `${mb(encRate!, data.length).toFixed(1)} MiB/s`, mb(encRate!, data.length) / ctrMb)
  row('  @keyward/gm sm4GcmDecrypt', `${mb(decRate!, data.length).toFixed(1)} MiB/s`, mb(decRate!, data.length) / ctrMb)
  row('  @keyward/gm SM4-GCM stream, 64 KiB chunks', `${mb(streamRate!, data.length).toFixed(1)} MiB/s`, mb(streamRate!, data.length) / ctrMb)
  row('  (reference) OpenSSL aes-128-gcm', `${mb(aesRate!, data.length).toFixed(1)} MiB/s`, mb(aesRate!, data.length) / ctrMb)
  console.log(`  vs sm-crypto: sm4GcmEncrypt is ${(mb(encRate!, data.length) / mb(smCryptoRate!, small.length)).toFixed(1)}× its SM4-CBC`)
}

sm2Bench()
sm4Bench()
