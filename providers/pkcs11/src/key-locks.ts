/**
 * The orderings a provider needs between its own concurrent calls, none of which the key store gives:
 * - alias writes one at a time (a store's check-then-insert is not atomic across its awaits);
 * - the BYOK steps of one key one at a time (two GetParametersForImport at once must not leave two wrapping pairs);
 * - concurrent rotations of one key coalesced into one new version.
 */
export class KeyLocks {
  #aliasQueue: Promise<unknown> = Promise.resolve()
  readonly #keyQueues = new Map<string, Promise<unknown>>()
  readonly #rotating = new Map<string, Promise<void>>()

  /** Runs alias-changing store writes one after another. */
  alias<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#aliasQueue.then(fn, fn)
    this.#aliasQueue = run.catch(() => undefined)
    return run
  }

  /** Runs `fn` after every earlier `perKey` call of the same key has settled. */
  perKey<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#keyQueues.get(keyId) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#keyQueues.set(keyId, tail)
    void tail.then(() => {
      if (this.#keyQueues.get(keyId) === tail) this.#keyQueues.delete(keyId)
    })
    return run
  }

  /** Runs `fn` unless a rotation of `keyId` is already running, whose promise is then returned instead. */
  rotation(keyId: string, fn: () => Promise<void>): Promise<void> {
    const running = this.#rotating.get(keyId)
    if (running) return running
    const p = fn().finally(() => this.#rotating.delete(keyId))
    this.#rotating.set(keyId, p)
    return p
  }
}
