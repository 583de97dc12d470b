import type * as graphene from 'graphene-pk11'
import { KeywardError } from '@keyward/core'
import { ckrOf, isSessionLost, isTokenFailure } from './pkcs11-errors.js'
import { takeInterrupted } from './token-ops.js'
import type { TokenConnection } from './token-connection.js'

interface Pooled {
  session: graphene.Session
  generation: number
}

/**
 * A fixed number of logged-in sessions. Each call holds one session for its whole operation, so two calls never
 * interleave C_*Init / C_* on one session (the CKR_OPERATION_ACTIVE failure of node-webcrypto-p11 #53); calls
 * beyond the pool size wait in FIFO order.
 *
 * When a call finds its session lost (closed, module finalized, token re-inserted, logged out), the pool forgets
 * every idle session of that generation without closing it (its handle may already be reused), lets the
 * connection recover, and runs the call once more on a freshly opened session.
 *
 * A session on which the token failed an operation (or answered "invalid signature") is never reused: some
 * modules (tpm2-pkcs11) leave the operation active after a failed C_Decrypt/C_Sign, and every later call on that
 * session would fail with CKR_OPERATION_ACTIVE. Its replacement is opened before it is closed, so that closing
 * the last session of the application never logs the token out.
 */
export class SessionPool {
  readonly #connection: TokenConnection
  readonly #size: number
  readonly #idle: Pooled[] = []
  /** Queued calls; a released session is handed straight to the first one, so nobody can jump the queue. */
  readonly #waiters: Array<(handed: Pooled | undefined) => void> = []
  readonly #open = new Set<graphene.Session>()
  #inUse = 0
  #generation = 0
  #closed = false
  readonly #drained: Array<() => void> = []
  /** Bumped when the pool recovers from a lost session/module; object handle caches key on it. */
  onRecover: (() => void) | undefined

  constructor(connection: TokenConnection, size: number) {
    this.#connection = connection
    this.#size = size
  }

  /**
   * Runs `fn` with a session of its own; retries once on a fresh session when the session was lost. Promise
   * chains rather than async frames: this wraps every token call, and each await costs on a 100 µs operation.
   */
  use<T>(fn: (session: graphene.Session) => Promise<T>): Promise<T> {
    // Fast path: an idle session and nobody queued before us (FIFO otherwise).
    const idle = !this.#closed && this.#waiters.length === 0 ? this.#idle.pop() : undefined
    if (idle) this.#inUse++
    const first = idle ? this.#run(idle, fn) : this.#acquire(false).then((pooled) => this.#run(pooled, fn))
    return first.catch((e: unknown) => {
      // #run has already forgotten the lost session.
      if (!isSessionLost(e) || this.#closed) throw e
      this.#recover(e)
      return this.#acquire(true).then((pooled) => this.#run(pooled, fn))
    })
  }

  #run<T>(pooled: Pooled, fn: (session: graphene.Session) => Promise<T>): Promise<T> {
    let call: Promise<T>
    try {
      call = fn(pooled.session)
    } catch (e) {
      call = Promise.reject(e)
    }
    return call.then(
      (r) => {
        this.#release(pooled)
        return r
      },
      (e: unknown) => {
        if (isSessionLost(e)) this.#forget(pooled)
        else if (isTokenFailure(e)) this.#replace(pooled)
        else this.#release(pooled)
        throw e
      },
    )
  }

  #recover(cause: unknown): void {
    this.#generation++
    this.#idle.length = 0
    if (ckrOf(cause) === 'CKR_CRYPTOKI_NOT_INITIALIZED') this.#open.clear()
    this.#connection.recover(cause)
    this.onRecover?.()
  }

  async #acquire(fresh: boolean): Promise<Pooled> {
    for (;;) {
      if (this.#closed) throw new KeywardError('FailedOperation.ProviderUnavailable', 'The PKCS#11 provider is closed.')
      if (!fresh) {
        const idle = this.#idle.pop()
        if (idle) {
          this.#inUse++
          return idle
        }
      }
      // A retry after a lost session wants a new session, not an idle one that may be just as stale.
      if (fresh && this.#inUse + this.#idle.length >= this.#size && this.#idle.length > 0)
        this.#discard(this.#idle.shift() as Pooled)
      if (this.#inUse + this.#idle.length < this.#size) {
        this.#inUse++
        try {
          const session = this.#connection.openSession()
          this.#open.add(session)
          return { session, generation: this.#generation }
        } catch (e) {
          this.#inUse--
          this.#wake()
          throw e
        }
      }
      const handed = await new Promise<Pooled | undefined>((resolve) => this.#waiters.push(resolve))
      if (handed && !fresh) return handed
      if (handed) {
        // A fresh session is wanted: give the handed one's slot to a new session.
        this.#discard(handed)
        this.#inUse--
      }
    }
  }

  /** A session whose operation failed in the token: a fresh one takes its place, then it is closed. */
  #replace(pooled: Pooled): void {
    let fresh: graphene.Session | undefined
    if (!this.#closed && pooled.generation === this.#generation) {
      try {
        fresh = this.#connection.openSession()
        this.#open.add(fresh)
      } catch {
        // No replacement now: the slot is freed and the next call opens one (or reports why it cannot).
      }
    }
    this.#discard(pooled)
    if (fresh) this.#release({ session: fresh, generation: pooled.generation })
    else {
      this.#inUse--
      this.#wake()
    }
  }

  #release(pooled: Pooled): void {
    if (takeInterrupted(pooled.session)) {
      this.#replace(pooled)
      return
    }
    if (this.#closed || pooled.generation !== this.#generation) {
      this.#discard(pooled)
      this.#inUse--
      this.#wake()
      return
    }
    const waiter = this.#waiters.shift()
    if (waiter) {
      // Still in use: it changes hands without passing through the idle list.
      waiter(pooled)
      return
    }
    this.#inUse--
    this.#idle.push(pooled)
    this.#wake()
  }

  /** A session that failed as lost: drop it without C_CloseSession. */
  #forget(pooled: Pooled): void {
    this.#inUse--
    this.#open.delete(pooled.session)
    this.#wake()
  }

  #discard(pooled: Pooled): void {
    this.#open.delete(pooled.session)
    try {
      pooled.session.close()
    } catch {
      /* already gone */
    }
  }

  /** A slot was freed: let the first queued call try again; tell close() when nothing is in use. */
  #wake(): void {
    this.#waiters.shift()?.(undefined)
    if (this.#inUse === 0) for (const drained of this.#drained.splice(0)) drained()
  }

  /** Sessions currently open (idle + in use). */
  get openSessions(): number {
    return this.#open.size
  }

  /**
   * Refuses new calls at once, waits for the calls in flight to finish (closing a session while a worker thread
   * is inside C_Sign on it is a use-after-free in some modules), then closes every session this pool opened.
   */
  async close(): Promise<void> {
    this.#closed = true
    for (const w of this.#waiters.splice(0)) w(undefined)
    if (this.#inUse > 0) await new Promise<void>((resolve) => this.#drained.push(resolve))
    for (const s of this.#open) {
      try {
        s.close()
      } catch {
        /* already closed */
      }
    }
    this.#open.clear()
    this.#idle.length = 0
  }
}
