import { INSPECT, KeywardError, systemClock, type CallOptions, type ProviderCapabilities } from '@keyward/core'
import { KeyBook } from './key-book.js'
import { SOFTWARE_CAPABILITIES, type SoftwareKeyProviderOptions } from './provider-options.js'

/**
 * What every part of the software provider shares: the key book, the closed state, and redaction. Nothing
 * secret is reachable through toJSON or util.inspect.
 */
export abstract class SoftwareProviderBase {
  readonly name: string
  readonly capabilities: ProviderCapabilities = SOFTWARE_CAPABILITIES
  readonly #book: KeyBook
  #closed = false

  constructor(options: SoftwareKeyProviderOptions) {
    if (!options || !options.store || !options.rootKey) {
      throw new KeywardError('MissingParameter', 'SoftwareKeyProvider needs a store and a rootKey.')
    }
    this.name = options.name ?? 'software'
    this.#book = new KeyBook(options.store, options.rootKey, options.clock ?? systemClock)
  }

  /** The key book, after checking that the provider is open and the call was not aborted. */
  protected live(opts?: CallOptions): KeyBook {
    if (this.#closed) throw new KeywardError('FailedOperation.ProviderUnavailable', `The ${this.name} provider is closed.`)
    if (opts?.signal?.aborted) throw new KeywardError('FailedOperation.Aborted', 'The call was aborted.', { cause: opts.signal.reason })
    return this.#book
  }

  /** Closes the store and zeroes the root key. Later calls fail with FailedOperation.ProviderUnavailable. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // Let queued writes finish before the store goes away.
    await this.#book.exclusive(async () => undefined)
    try {
      await this.#book.store.close()
    } finally {
      this.#book.forgetAll()
      this.#book.root.destroy()
    }
  }

  toJSON(): { name: string; closed: boolean; store: string } {
    return { name: this.name, closed: this.#closed, store: this.#book.store.constructor.name }
  }

  [INSPECT](): string {
    return `SoftwareKeyProvider { name: '${this.name}', store: ${this.#book.store.constructor.name}, rootKey: [REDACTED]${this.#closed ? ', closed' : ''} }`
  }
}
