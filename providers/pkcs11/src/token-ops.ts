import * as graphene from 'graphene-pk11'
import type * as pkcs11 from 'pkcs11js'

/**
 * Promise wrappers over pkcs11js's async calls, which run C_Encrypt / C_Sign / C_GenerateKey* / C_WrapKey /
 * C_UnwrapKey on a libuv worker thread, so a slow RSA operation in the token does not block the event loop.
 * (C_*Init stays synchronous through graphene: it is cheap.)
 *
 * Why not graphene's `once(data, cb)`: pkcs11js's workers keep raw pointers to the input buffers without a
 * reference to them, and graphene passes a fresh copy it does not keep either, so the garbage collector may free
 * the input while the worker thread still reads it (a crash, or the wrong bytes encrypted/signed). Here every
 * input buffer is captured by the completion callback, which pkcs11js holds until the call completes.
 */

type Done<T> = (e: Error | null, v: T | null) => void

/**
 * Sessions whose last operation failed or was answered "invalid": the pool replaces them instead of reusing them
 * (some modules leave the operation active after a failure; see SessionPool). A WeakSet, so nothing is kept alive.
 */
const interrupted = new WeakSet<graphene.Session>()

/** Marks `session` as possibly holding an unfinished operation. */
export function markInterrupted(session: graphene.Session): void {
  interrupted.add(session)
}

/** True (once) when `session` was marked by {@link markInterrupted}. */
export function takeInterrupted(session: graphene.Session): boolean {
  return interrupted.delete(session)
}

function settle<T>(
  session: graphene.Session,
  resolve: (v: T) => void,
  reject: (e: unknown) => void,
  keepAlive: readonly Buffer[],
): Done<T> {
  return (e, v) => {
    // Referenced here so the inputs live as long as the native worker can read them.
    if (keepAlive.length < 0) return
    if (e) {
      interrupted.add(session)
      reject(e)
    } else if (v === null) reject(new Error('The PKCS#11 call returned no result.'))
    else resolve(v)
  }
}

/** C_EncryptInit + async C_Encrypt. `outLength` must cover the output (GCM: input + 16). */
export function encryptAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
  outLength: number,
): Promise<Buffer> {
  session.createCipher(mech, key)
  const out = Buffer.alloc(outLength)
  return new Promise((resolve, reject) =>
    session.lib.C_Encrypt(session.handle, data, out, settle(session, resolve, reject, [data, out])),
  )
}

/**
 * C_EncryptInit with a ready pkcs11js mechanism (no graphene wrapper objects: this is the Encrypt hot path) +
 * async C_Encrypt straight into `out`, a view into the caller's buffer, so the result needs no further copy.
 * Resolves with the part of `out` the token wrote.
 */
export function encryptIntoAsync(
  session: graphene.Session,
  mech: pkcs11.Mechanism,
  key: graphene.Key,
  data: Buffer,
  out: Buffer,
): Promise<Buffer> {
  session.lib.C_EncryptInit(session.handle, mech, key.handle)
  return new Promise((resolve, reject) =>
    session.lib.C_Encrypt(session.handle, data, out, settle(session, resolve, reject, [data, out])),
  )
}

/** C_DecryptInit + async C_Decrypt. */
export function decryptAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
  outLength: number,
): Promise<Buffer> {
  session.createDecipher(mech, key)
  const out = Buffer.alloc(outLength)
  return new Promise((resolve, reject) =>
    session.lib.C_Decrypt(session.handle, data, out, settle(session, resolve, reject, [data, out])),
  )
}

/** pkcs11js mechanisms of parameterless mechanism names, built once (they are never modified). */
const plainMechanisms = new Map<string, pkcs11.Mechanism>()

/** `mech` as pkcs11js takes it; names without parameters come from a cache (Sign is a hot path). */
export function mechanismOf(mech: graphene.MechanismType): pkcs11.Mechanism {
  if (typeof mech !== 'string') return graphene.Mechanism.create(mech)
  let cki = plainMechanisms.get(mech)
  if (!cki) {
    cki = graphene.Mechanism.create(mech)
    plainMechanisms.set(mech, cki)
  }
  return cki
}

/** C_SignInit + async C_Sign. */
export function signAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
): Promise<Buffer> {
  session.lib.C_SignInit(session.handle, mechanismOf(mech), key.handle)
  const out = Buffer.alloc(512)
  return new Promise((resolve, reject) =>
    session.lib.C_Sign(session.handle, data, out, settle(session, resolve, reject, [data, out])),
  )
}

/** C_VerifyInit + async C_Verify; an invalid signature (or one of the wrong length) is `false`, not an error. */
export function verifyAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  key: graphene.Key,
  data: Buffer,
  signature: Buffer,
): Promise<boolean> {
  session.createVerify(mech, key)
  return new Promise((resolve, reject) =>
    session.lib.C_Verify(session.handle, data, signature, (e: Error | null, ok: boolean | null) => {
      if (data.length < 0 || signature.length < 0) return
      if (e || ok !== true) interrupted.add(session)
      if (e && /CKR_SIGNATURE_(INVALID|LEN_RANGE)/.test(e.message)) resolve(false)
      else if (e) reject(e)
      else resolve(ok === true)
    }),
  )
}

/** Async C_GenerateKey (pkcs11js copies template and mechanism into native memory). */
export function generateKeyAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  template: graphene.ITemplate,
): Promise<graphene.SecretKey> {
  return new Promise((resolve, reject) => session.generateKey(mech, template, settle(session, resolve, reject, [])))
}

/** Async C_GenerateKeyPair. */
export function generateKeyPairAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  publicTemplate: graphene.ITemplate,
  privateTemplate: graphene.ITemplate,
): Promise<graphene.IKeyPair> {
  return new Promise((resolve, reject) =>
    session.generateKeyPair(mech, publicTemplate, privateTemplate, settle(session, resolve, reject, [])),
  )
}

/** Async C_UnwrapKey: the unwrapped key exists only inside the token. */
export function unwrapKeyAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  unwrappingKey: graphene.Key,
  wrapped: Buffer,
  template: graphene.ITemplate,
): Promise<graphene.Key> {
  return new Promise((resolve, reject) =>
    session.unwrapKey(mech, unwrappingKey, wrapped, template, settle(session, resolve, reject, [wrapped])),
  )
}

/** Async C_WrapKey (its output buffer is kept by pkcs11js itself). */
export function wrapKeyAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  wrappingKey: graphene.Key,
  key: graphene.Key,
): Promise<Buffer> {
  return new Promise((resolve, reject) => session.wrapKey(mech, wrappingKey, key, settle(session, resolve, reject, [])))
}
