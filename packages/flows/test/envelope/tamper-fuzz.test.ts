import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { EnvelopeClient, Keyring, ecdsaP256HeaderSigner } from '@keyward/flows/envelope'
import { rawKey } from './helpers.js'

const FRAME = 64
const TAG = 16
const ALLOWED = new Set(['FailedOperation.InvalidMessage', 'InvalidParameterValue.InvalidCiphertext'])

interface Sample {
  client: EnvelopeClient
  message: Buffer
  ctx: Record<string, string>
  headerLength: number
  frameCount: number
}

/** Offsets of each frame of a message whose plaintext is a whole number of frames plus a short tail. */
function frameSpans(s: Sample): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  let off = s.headerLength
  for (let i = 0; i < s.frameCount - 1; i++) {
    spans.push([off, off + 5 + FRAME + TAG])
    off += 5 + FRAME + TAG
  }
  spans.push([off, s.message.length])
  return spans
}

async function rejects(s: Sample, message: Buffer, ctx = s.ctx): Promise<string> {
  try {
    await s.client.decrypt(message, { encryptionContext: ctx })
    return 'ACCEPTED'
  } catch (e) {
    return isKeywardError(e) && ALLOWED.has(e.code) ? 'ok' : `bad error: ${String(e)}`
  }
}

async function makeSamples(): Promise<Sample[]> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const keyring = new Keyring([rawKey('k1'), rawKey('k2', 'backup')])
  const plain = new EnvelopeClient({ keyring, frameLength: FRAME })
  const signed = new EnvelopeClient({ keyring, frameLength: FRAME, signer: ecdsaP256HeaderSigner(privateKey) })
  const sm4 = new EnvelopeClient({ keyring, frameLength: FRAME, suite: 'SM4_GCM_HKDF_SM3_COMMIT' })
  const out: Sample[] = []
  for (const [client, size] of [
    [plain, 3 * FRAME + 10],
    [plain, 2 * FRAME],
    [plain, 0],
    [signed, FRAME + 1],
    [sm4, 2 * FRAME + 5],
  ] as const) {
    const ctx = { tenant: 'bank', record: String(size) }
    const message = await client.encrypt(randomBytes(size), { encryptionContext: ctx })
    const frameCount = Math.max(1, Math.ceil(size / FRAME))
    const finalLen = size - (frameCount - 1) * FRAME
    const headerLength = message.length - (frameCount - 1) * (5 + FRAME + TAG) - (9 + finalLen + TAG)
    out.push({ client, message, ctx, headerLength, frameCount })
  }
  return out
}

describe('envelope tamper fuzz', () => {
  it('accepts none of ≥ 10,000 mutations (bit flips, truncations, frame swaps, header edits, wrong context) of AES, SM4 and signed messages, each a KeywardError', async () => {
    const samples = await makeSamples()
    for (const s of samples)
      expect((await s.client.decrypt(s.message, { encryptionContext: s.ctx })).plaintext).toBeDefined()
    const results = new Map<string, number>()
    let total = 0
    const record = (kind: string, r: string): void => {
      total++
      const key = r === 'ok' ? 'ok' : `${kind}: ${r}`
      results.set(key, (results.get(key) ?? 0) + 1)
    }
    for (const s of samples) {
      const m = s.message
      // Truncation at every byte boundary.
      for (let n = 0; n < m.length; n++) record('truncate', await rejects(s, m.subarray(0, n)))
      // Appended bytes.
      for (const extra of [Buffer.from([0]), randomBytes(1), randomBytes(40)])
        record('append', await rejects(s, Buffer.concat([m, extra])))
      // Single and multi bit flips anywhere.
      for (let i = 0; i < 1500; i++) {
        const t = Buffer.from(m)
        const flips = 1 + randomInt(3)
        for (let f = 0; f < flips; f++) {
          const pos = randomInt(t.length)
          t[pos] = (t[pos] as number) ^ (1 << randomInt(8))
        }
        if (!t.equals(m)) record('bitflip', await rejects(s, t))
      }
      // Header edits: replace a header byte, insert or delete one.
      for (let i = 0; i < 300; i++) {
        const pos = randomInt(s.headerLength)
        const t = Buffer.from(m)
        t[pos] = ((t[pos] as number) + 1 + randomInt(255)) & 0xff
        record('header-byte', await rejects(s, t))
        record('header-insert', await rejects(s, Buffer.concat([m.subarray(0, pos), randomBytes(1), m.subarray(pos)])))
        record('header-delete', await rejects(s, Buffer.concat([m.subarray(0, pos), m.subarray(pos + 1)])))
      }
      // Frame swaps, duplications and drops.
      const spans = frameSpans(s)
      const frames = spans.map(([a, b]) => m.subarray(a, b))
      const header = m.subarray(0, s.headerLength)
      for (let i = 0; i < frames.length; i++) {
        for (let j = 0; j < frames.length; j++) {
          if (i !== j) {
            const swapped = [...frames]
            ;[swapped[i], swapped[j]] = [frames[j] as Buffer, frames[i] as Buffer]
            record('swap', await rejects(s, Buffer.concat([header, ...swapped])))
          }
          const dup = [...frames]
          dup.splice(j, 0, frames[i] as Buffer)
          record('duplicate', await rejects(s, Buffer.concat([header, ...dup])))
        }
        record('drop', await rejects(s, Buffer.concat([header, ...frames.filter((_, k) => k !== i)])))
      }
      // Frames of one message spliced onto another's header.
      for (const other of samples)
        if (other !== s)
          record('splice', await rejects(s, Buffer.concat([header, other.message.subarray(other.headerLength)])))
      // Wrong or missing context.
      for (const ctx of [{}, { ...s.ctx, tenant: 'other' }, { ...s.ctx, extra: '1' }, { tenant: 'bank' }])
        record('context', await rejects(s, m, ctx))
    }
    expect(total).toBeGreaterThanOrEqual(10_000)
    expect(Object.fromEntries(results)).toEqual({ ok: total })
  })
})
