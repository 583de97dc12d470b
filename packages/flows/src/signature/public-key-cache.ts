import { needs, type AsymmetricCrypto, type CallOptions } from '@keyward/core'
import { parsePublicKey, type ParsedPublicKey } from '../asymmetric/public-key.js'

/**
 * GetPublicKey results of one provider, parsed and kept: an asymmetric key's public half never changes, and SM2
 * digests and local verification need it on every call. Bounded (least recently used goes first).
 */
export class PublicKeyCache {
  readonly #provider: Pick<AsymmetricCrypto, 'getPublicKey'>
  readonly #max: number
  readonly #entries = new Map<string, Promise<ParsedPublicKey>>()

  constructor(provider: Pick<AsymmetricCrypto, 'getPublicKey'>, maxEntries = 256) {
    needs(
      Number.isInteger(maxEntries) && maxEntries > 0,
      'InvalidParameterValue',
      'maxEntries must be a positive integer.',
    )
    this.#provider = provider
    this.#max = maxEntries
  }

  /** The parsed public key of `keyId`, fetched once. */
  get(keyId: string, opts: CallOptions = {}): Promise<ParsedPublicKey> {
    const hit = this.#entries.get(keyId)
    if (hit) {
      this.#entries.delete(keyId)
      this.#entries.set(keyId, hit)
      return hit
    }
    const fetched = this.#provider.getPublicKey(keyId, opts).then((r) => parsePublicKey(r.publicKey))
    // A failed fetch must not stick: the next call asks again.
    fetched.catch(() => {
      if (this.#entries.get(keyId) === fetched) this.#entries.delete(keyId)
    })
    this.#entries.set(keyId, fetched)
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    return fetched
  }

  /** Forgets every cached key. */
  clear(): void {
    this.#entries.clear()
  }
}
