import { randomBytes } from 'node:crypto'
import type { EncryptionContext } from '@keyward/core'
import {
  EnvelopeClient,
  RawAesMasterKey,
  type EncryptedDataKey,
  type EnvelopeClientOptions,
  type GeneratedDataKey,
  type MasterKey,
} from '@keyward/flows/envelope'

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

/** A master key that counts calls and can be made unreachable, over a raw AES key. */
export class CountingMasterKey implements MasterKey {
  generated = 0
  encrypted = 0
  decrypted = 0
  /** When set, every call fails with this error (a backend that is down). */
  failWith: Error | undefined
  readonly #inner: RawAesMasterKey
  constructor(keyId = 'counted', namespace = 'raw-aes') {
    this.#inner = rawKey(keyId, namespace)
  }
  get providerName(): string {
    return this.#inner.providerName
  }
  get keyId(): string {
    return this.#inner.keyId
  }
  async generateDataKey(length: number, ctx: EncryptionContext): Promise<GeneratedDataKey> {
    this.generated++
    if (this.failWith) throw this.failWith
    return this.#inner.generateDataKey(length, ctx)
  }
  async encryptDataKey(pt: Uint8Array, ctx: EncryptionContext): Promise<EncryptedDataKey> {
    this.encrypted++
    if (this.failWith) throw this.failWith
    return this.#inner.encryptDataKey(pt, ctx)
  }
  canDecrypt(edk: EncryptedDataKey): boolean {
    return this.#inner.canDecrypt(edk)
  }
  async decryptDataKey(edk: EncryptedDataKey, ctx: EncryptionContext): Promise<Uint8Array> {
    this.decrypted++
    if (this.failWith) throw this.failWith
    return this.#inner.decryptDataKey(edk, ctx)
  }
}
