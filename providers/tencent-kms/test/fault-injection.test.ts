import { createPublicKey, createVerify, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, type KeyMetadata } from '@keyward/core'
import type { AttemptEvent, TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { startServe, type ServeHarness } from './serve-harness.js'

// `keyward serve` failing 30 % of requests (RequestLimitExceeded / InternalError, before any work): every one of
// 1,000 mixed operations must still succeed with the right result, within the attempt bound.
const FAULT_RATE = 0.3
const MAX_ATTEMPTS = 12 // 0.3^12 ≈ 5e-7 per call: a call running out of attempts would be a real bug, not luck.
const OPERATIONS = 1_000

/** A small seeded PRNG (mulberry32), so the server's fault sequence is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let serve: ServeHarness
let kms: TencentKmsKeyProvider
const events: AttemptEvent[] = []
let aes: KeyMetadata
let sm4: KeyMetadata
let ecc: KeyMetadata
let eccPublicKeyPem: string

beforeAll(async () => {
  serve = await startServe({
    faults: { rate: FAULT_RATE, kinds: ['RequestLimitExceeded', 'InternalError'], random: seeded(20261122) },
  })
  kms = serve.provider({
    retry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 1, maxDelayMs: 10 },
    onAttempt: (e) => events.push(e),
  })
  aes = await kms.createKey({ alias: 'fi-aes' })
  sm4 = await kms.createKey({ alias: 'fi-sm4', keySpec: 'SM4' })
  ecc = await kms.createKey({ alias: 'fi-ecc', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
  eccPublicKeyPem = (await kms.getPublicKey(ecc.keyId)).publicKeyPem
})
afterAll(async () => {
  await kms?.close()
  await serve?.close()
})

/** One operation (one or two provider calls), checked for the right result. */
async function operation(i: number): Promise<number> {
  switch (i % 5) {
    case 0:
    case 1: {
      const key = i % 5 === 0 ? aes : sm4
      const plaintext = randomBytes(1 + (i % 200))
      const ctx = { op: String(i) }
      const { ciphertextBlob } = await kms.encrypt({ keyId: key.keyId, plaintext, encryptionContext: ctx })
      const out = await kms.decrypt({ ciphertextBlob, encryptionContext: ctx })
      expect(Buffer.from(out.plaintext).equals(plaintext)).toBe(true)
      expect(out.keyId).toBe(key.keyId)
      return 2
    }
    case 2: {
      const dk = await kms.generateDataKey({ keyId: aes.keyId, keySpec: 'AES_128' })
      const back = await kms.decrypt({ ciphertextBlob: dk.ciphertextBlob })
      expect(dk.plaintext).toHaveLength(16)
      expect(Buffer.from(back.plaintext).equals(Buffer.from(dk.plaintext))).toBe(true)
      dk.dispose()
      return 2
    }
    case 3: {
      const message = randomBytes(64)
      const { signature } = await kms.signByAsymmetricKey({ keyId: ecc.keyId, algorithm: 'ECC_P256_R1', message })
      // Verified independently with node:crypto, not by the service that made it.
      const valid = createVerify('sha256')
        .update(message)
        .verify(createPublicKey(eccPublicKeyPem), Buffer.from(signature))
      expect(valid).toBe(true)
      return 1
    }
    default: {
      expect(await kms.generateRandom(32)).toHaveLength(32)
      expect((await kms.describeKey(sm4.keyId)).keyId).toBe(sm4.keyId)
      return 2
    }
  }
}

describe('fault injection at 30 % through keyward serve', () => {
  it(`${OPERATIONS} mixed operations all succeed with correct results; attempts per call stay bounded`, async () => {
    events.length = 0
    const before = kms.stats
    let calls = 0
    const concurrency = 8
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < OPERATIONS) {
          const made = await operation(next++)
          calls += made
        }
      }),
    )
    const stats = kms.stats
    expect(stats.failures - before.failures).toBe(0)
    expect(stats.calls - before.calls).toBe(calls)
    // Every call made a first attempt; no call went past the bound.
    expect(events.filter((e) => e.attempt === 1)).toHaveLength(calls)
    expect(Math.max(...events.map((e) => e.attempt))).toBeLessThanOrEqual(MAX_ATTEMPTS)
    // Only the injected kinds failed, and about 30 % of attempts did (1 / 0.7 ≈ 1.43 attempts per call).
    const failed = events.filter((e) => e.result !== 'Success')
    expect(new Set(failed.map((e) => e.result))).toEqual(new Set(['RequestLimitExceeded', 'InternalError']))
    const ratio = events.length / calls
    expect(ratio).toBeGreaterThan(1.3)
    expect(ratio).toBeLessThan(1.6)
  })

  it('a non-retryable error ends the call at the first attempt that reaches the key (injected faults before it are retried)', async () => {
    for (let i = 0; i < 20; i++) {
      events.length = 0
      const e = await kms
        .encrypt({ keyId: '00000000-0000-4000-8000-000000000000', plaintext: Buffer.from('x') })
        .catch((x: unknown) => x)
      expect(e).toBeInstanceOf(KeywardError)
      expect((e as KeywardError).code).toBe('ResourceUnavailable.CmkNotFound')
      const results = events.map((x) => x.result)
      expect(results.at(-1)).toBe('ResourceUnavailable.CmkNotFound')
      expect(results.filter((r) => r === 'ResourceUnavailable.CmkNotFound')).toHaveLength(1)
      expect(results.slice(0, -1).every((r) => r === 'RequestLimitExceeded' || r === 'InternalError')).toBe(true)
    }
  })
})
