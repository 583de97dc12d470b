/**
 * Issue 16 item 1: memory per stream is bounded by the frame length plus a constant, whatever the chunking. The
 * hostile input is an authentic header followed by one forged frame of the full frame length, fed in 1-byte and
 * odd-sized chunks: the reader must hold no more than about one frame before the tag fails (before the fix it held
 * +433 MiB for a 1 MiB frame). Each figure is measured in a child process (`--expose-gc`, see
 * frame-memory-child.ts), so no other test's garbage moves it.
 */
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EnvelopeClient, SUITE_NAMES } from '@keyward/flows/envelope'
import { collect, rawKey } from './helpers.js'

const MiB = 1024 * 1024
const ROOT = resolve(import.meta.dirname, '../../../..')
const CHILD = join(import.meta.dirname, 'frame-memory-child.ts')
/** What the reader may hold besides the frame: staging, cipher state, a young generation's worth of garbage. */
const SLACK = 16 * MiB

function measure(
  frameLength: number,
  chunkSize: number,
  mode: 'stream' | 'duplex' | 'encrypt',
): { outcome: string; peakGrowth: number; chunks: number } {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', CHILD, String(frameLength), String(chunkSize), mode],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  )
  expect(r.status, r.stderr).toBe(0)
  const out = JSON.parse(r.stdout) as { outcome: string; peakGrowth: number; chunks: number }
  console.info(
    `frame ${frameLength / MiB} MiB, ${chunkSize}-byte chunks, ${mode}: peak RSS growth ${(out.peakGrowth / MiB).toFixed(1)} MiB (${out.chunks} chunks)`,
  )
  return out
}

describe('bounded memory per frame under hostile chunking', { timeout: 180_000 }, () => {
  const cases: Array<[number, number, 'stream' | 'duplex']> = [
    [MiB, 1, 'stream'],
    [MiB, 1, 'duplex'],
    [MiB, 7, 'stream'],
    [16 * MiB, 16, 'stream'],
    [16 * MiB, 4093, 'stream'],
  ]
  for (const [frame, chunk, mode] of cases) {
    it(`a forged ${frame / MiB} MiB frame in ${chunk}-byte chunks (${mode === 'duplex' ? 'createDecryptStream' : 'decryptStream'}) is refused holding < frame + 16 MiB`, () => {
      const r = measure(frame, chunk, mode)
      expect(r.outcome).toBe('InvalidParameterValue.InvalidCiphertext')
      expect(r.peakGrowth).toBeLessThan(frame + SLACK)
    })
  }

  it('the writer fed 1-byte chunks holds < 2 frames + 16 MiB (plaintext staged, ciphertext out)', () => {
    const r = measure(MiB, 1, 'encrypt')
    expect(r.outcome).toBe('ok')
    expect(r.peakGrowth).toBeLessThan(2 * MiB + SLACK)
  })
})

describe('staging keeps every byte in place', () => {
  for (const suite of SUITE_NAMES) {
    it(`${suite}: round trips under mixed chunk sizes around the staging thresholds, both ways`, async () => {
      const client = new EnvelopeClient({ keyring: rawKey(), suite, frameLength: 200_000 })
      const pt = randomBytes(3 * 200_000 + 12_345)
      const sizes = [1, 7, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 65_535, 65_536, 65_537, 300_000]
      function* mixed(b: Buffer, seed: number): Generator<Buffer> {
        for (let o = 0, i = seed; o < b.length; i++) {
          const n = sizes[i % sizes.length] as number
          yield b.subarray(o, o + n)
          o += n
        }
      }
      for (const seed of [0, 3, 5]) {
        const msg = await collect(client.encryptStream(mixed(pt, seed)))
        const back = await collect(client.decryptStream(mixed(msg, seed + 1)))
        expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(pt).digest('hex'))
      }
    })
  }

  it('short chunks are copied: a source that reuses one small buffer still encrypts what it yielded', async () => {
    const client = new EnvelopeClient({ keyring: rawKey(), frameLength: 1024 })
    const scratch = Buffer.alloc(10)
    const expected: Buffer[] = []
    function* reusing(): Generator<Buffer> {
      for (let i = 0; i < 300; i++) {
        scratch.fill(i & 0xff)
        expected.push(Buffer.from(scratch))
        yield scratch
      }
    }
    const msg = await collect(client.encryptStream(reusing()))
    expect((await client.decrypt(msg)).plaintext.equals(Buffer.concat(expected))).toBe(true)
  })
})
