import * as graphene from 'graphene-pk11'
import { KeywardError } from '@keyward/core'
import { derivedId } from './key-templates.js'
import { isHandleGone } from './pkcs11-errors.js'

/** CKS_RO_USER_FUNCTIONS (1) and CKS_RW_USER_FUNCTIONS (3): the states of a logged-in user session. */
function loggedIn(session: graphene.Session): boolean {
  const state = session.lib.C_GetSessionInfo(session.handle).state
  return state === 1 || state === 3
}

/** Object classes Keyward looks up. */
export type ObjectKind = 'secret' | 'private' | 'public'

const CLASS: Record<ObjectKind, number> = {
  secret: graphene.ObjectClass.SECRET_KEY,
  private: graphene.ObjectClass.PRIVATE_KEY,
  public: graphene.ObjectClass.PUBLIC_KEY,
}

/**
 * Finds token objects by CKA_ID and caches their handles (a C_FindObjects per call would cost more than the
 * AES-GCM it serves). Handles are per application, valid in every session, until the module is re-initialised:
 * the pool calls `clear()` then. A stale handle (object deleted behind our back) is found again once; when the
 * object is truly gone, the call fails with ResourceUnavailable.CmkNotFound.
 */
export class TokenObjects {
  readonly #handles = new Map<string, Buffer>()
  /**
   * The same handles by the identity of the CKA_ID buffer (the provider passes the one cached per version), so a
   * hit needs no hex string. Any forget() drops this whole level: it may hold the same id under another buffer.
   */
  #byRef = {
    secret: new WeakMap<Buffer, Buffer>(),
    private: new WeakMap<Buffer, Buffer>(),
    public: new WeakMap<Buffer, Buffer>(),
  }

  #cacheKey(kind: ObjectKind, id: Buffer): string {
    return `${kind}:${id.toString('hex')}`
  }

  /** The object of `kind` with CKA_ID `id`, bound to `session`. */
  find(session: graphene.Session, kind: ObjectKind, id: Buffer, keyId: string): graphene.Key {
    const hot = this.#byRef[kind].get(id)
    if (hot) return new graphene.Key(hot, session, session.lib)
    const ck = this.#cacheKey(kind, id)
    const cached = this.#handles.get(ck)
    if (cached) {
      this.#byRef[kind].set(id, cached)
      return new graphene.Key(cached, session, session.lib)
    }
    const found = session.find({ class: CLASS[kind], id })
    if (found.length === 0) {
      // Private objects are invisible to a session that is no longer logged in (someone called C_Logout): that is
      // a lost login, for the pool to recover from, not a missing key.
      if (!loggedIn(session)) throw new Error('CKR_USER_NOT_LOGGED_IN: the session is no longer logged in')
      throw new KeywardError(
        'ResourceUnavailable.CmkNotFound',
        `The token holds no ${kind} key object with CKA_ID ${JSON.stringify(id.toString('ascii'))} for key ${keyId}: it was deleted outside Keyward, or the key store belongs to another token.`,
        { backendCode: 'TokenObjectMissing' },
      )
    }
    const handle = found.items(0).handle
    this.#handles.set(ck, handle)
    this.#byRef[kind].set(id, handle)
    return new graphene.Key(handle, session, session.lib)
  }

  /**
   * Runs `fn` with the object; when the token says the cached handle is invalid, drops it and runs once more
   * with a fresh lookup.
   */
  with<T>(
    session: graphene.Session,
    kind: ObjectKind,
    id: Buffer,
    keyId: string,
    fn: (key: graphene.Key) => Promise<T>,
  ): Promise<T> {
    return this.#attempt(session, kind, id, keyId, fn).catch((e: unknown) => {
      if (!isHandleGone(e)) throw e
      this.forget(kind, id)
      return this.#attempt(session, kind, id, keyId, fn)
    })
  }

  /** One try; a synchronous throw (lookup, C_*Init) becomes a rejection. A method, not a closure per call: hot path. */
  #attempt<T>(
    session: graphene.Session,
    kind: ObjectKind,
    id: Buffer,
    keyId: string,
    fn: (key: graphene.Key) => Promise<T>,
  ): Promise<T> {
    try {
      return fn(this.find(session, kind, id, keyId))
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /**
   * Destroys every object with CKA_ID `id` (all classes), and the working keys derived from it on an
   * encrypt-then-MAC token (`<id>/enc`, `<id>/mac`). Returns how many.
   */
  destroy(session: graphene.Session, id: Buffer): number {
    let n = 0
    for (const each of [id, derivedId(id, 'enc'), derivedId(id, 'mac')]) {
      for (const kind of Object.keys(CLASS) as ObjectKind[]) this.forget(kind, each)
      n += session.destroy({ id: each })
    }
    return n
  }

  forget(kind: ObjectKind, id: Buffer): void {
    this.#handles.delete(this.#cacheKey(kind, id))
    this.#dropByRef()
  }

  clear(): void {
    this.#handles.clear()
    this.#dropByRef()
  }

  #dropByRef(): void {
    this.#byRef = { secret: new WeakMap(), private: new WeakMap(), public: new WeakMap() }
  }
}
