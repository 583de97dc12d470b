/**
 * Run by frame-memory.test.ts in a child process (`node --expose-gc --import tsx`), so that no other test's
 * garbage moves the figure: feeds one hostile message — an authentic header followed by one forged frame of the
 * full frame length — to the reader in chunks of the given size, and prints the peak RSS growth while the reader
 * holds the frame, before its tag fails.
 *
 *   frame-memory-child.ts <frameLength> <chunkSize> <stream|duplex|encrypt>
 *
 * `encrypt` measures the writer instead: a plaintext of one frame plus one byte, in chunks of the given size.
 */
import { randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { EnvelopeClient, RawAesMasterKey } from '../../src/envelope/index.js'

const [frameLength, chunkSize] = [Number(process.argv[2]), Number(process.argv[3])]
const mode = process.argv[4] ?? 'stream'
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

const client = new EnvelopeClient({
  keyring: new RawAesMasterKey({ namespace: 'raw-aes', keyId: 'k', key: randomBytes(32) }),
  frameLength,
})

async function hostileMessage(): Promise<Buffer> {
  // The attacker's own (or a captured) message: its header authenticates under a key the reader holds.
  const real = await client.encrypt(Buffer.from('x'))
  const header = real.subarray(0, real.length - (9 + 1 + 16))
  const head = Buffer.from([0, 0, 0, 1, 0]) // frame 1, regular: frameLength bytes of ciphertext follow
  return Buffer.concat([header, head, randomBytes(frameLength), randomBytes(16)])
}

let peak = 0
let seen = 0
function* chunked(b: Buffer): Generator<Buffer> {
  for (let o = 0; o < b.length; o += chunkSize) {
    if ((++seen & 1023) === 0) peak = Math.max(peak, process.memoryUsage.rss())
    yield b.subarray(o, o + chunkSize)
  }
}

async function run(input: Buffer): Promise<string> {
  try {
    if (mode === 'duplex') {
      await pipeline(
        Readable.from(chunked(input)),
        client.createDecryptStream(),
        new Writable({ write: (_c, _e, cb) => cb() }),
      )
    } else if (mode === 'encrypt') {
      for await (const _ of client.encryptStream(chunked(input))) void _
      return 'ok'
    } else {
      for await (const _ of client.decryptStream(chunked(input))) void _
    }
    return 'ACCEPTED'
  } catch (e) {
    return (e as { code?: string }).code ?? String(e)
  }
}

const input = mode === 'encrypt' ? randomBytes(frameLength + 1) : await hostileMessage()
gc()
gc()
const before = process.memoryUsage.rss()
peak = before
const outcome = await run(input)
peak = Math.max(peak, process.memoryUsage.rss())
process.stdout.write(`${JSON.stringify({ outcome, peakGrowth: peak - before, chunks: seen })}\n`)
