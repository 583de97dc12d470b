import { randomBytes } from 'node:crypto'
import { EnvelopeClient, RawAesMasterKey, type EnvelopeClientOptions } from '@keyward/flows/envelope'

/** A raw AES master key with a random key, for tests that need no provider. */
export function rawKey(keyId = 'test-key', namespace = 'raw-aes'): RawAesMasterKey {
  return new RawAesMasterKey({ namespace, keyId, key: randomBytes(32) })
}

/** A client over one fresh raw key. */
export function rawClient(opts: Partial<EnvelopeClientOptions> = {}): EnvelopeClient {
  return new EnvelopeClient({ keyring: rawKey(), ...opts })
}

/** Collects an async iterable of chunks. */
export async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const p of it) parts.push(Buffer.from(p))
  return Buffer.concat(parts)
}

/** Splits bytes into chunks of `size`. */
export function* chunks(b: Buffer, size: number): Generator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size)
}
