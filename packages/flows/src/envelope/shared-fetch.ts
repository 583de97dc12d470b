import { abortedError } from './abort.js'

// A call in flight, and how many callers still wait on it.
interface Pending<T> {
  readonly result: Promise<T>
  readonly controller: AbortController
  waiters: number
}

/**
 * Concurrent requests for one key share one call, which belongs to none of them: a caller whose signal fires
 * stops waiting (FailedOperation.Aborted) while the call goes on for the others, and the call's own signal fires
 * only when every caller waiting on it has gone — then the next request starts a fresh call rather than join a
 * dying one. (Driving the shared call with the first caller's signal would let one caller's abort fail them all.)
 */
export class SharedFetches<T> {
  readonly #pending = new Map<string, Pending<T>>()

  /** The result of the call for `key`, starting it with `start` unless one is in flight. */
  get(key: string, start: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let p = this.#pending.get(key)
    if (!p) {
      const controller = new AbortController()
      const pending: Pending<T> = { result: start(controller.signal), controller, waiters: 0 }
      p = pending
      this.#pending.set(key, pending)
      void pending.result.finally(() => this.#forget(key, pending)).catch(() => undefined)
    }
    return this.#wait(key, p, signal)
  }

  #wait(key: string, p: Pending<T>, signal: AbortSignal | undefined): Promise<T> {
    p.waiters++
    if (!signal) return p.result.finally(() => void p.waiters--)
    return new Promise<T>((resolve, reject) => {
      let gone = false
      const leave = (): void => {
        if (gone) return
        gone = true
        p.waiters--
        signal.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        leave()
        if (p.waiters === 0) {
          this.#forget(key, p)
          p.controller.abort(signal.reason)
        }
        reject(abortedError(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      p.result.then(
        (v) => {
          leave()
          resolve(v)
        },
        (err: unknown) => {
          leave()
          reject(err)
        },
      )
    })
  }

  #forget(key: string, p: Pending<T>): void {
    if (this.#pending.get(key) === p) this.#pending.delete(key)
  }
}
