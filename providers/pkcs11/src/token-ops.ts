import type * as graphene from 'graphene-pk11'

/**
 * Promise wrappers over graphene's callback variants. The callback variants call pkcs11js's async functions,
 * which run C_Encrypt / C_Sign / C_GenerateKey* / C_WrapKey / C_UnwrapKey on a libuv worker thread, so a slow
 * RSA operation in the token does not block the event loop. (C_*Init stays synchronous: it is cheap.)
 */

function settle<T>(resolve: (v: T) => void, reject: (e: unknown) => void): (e: Error | null, v: T | null) => void {
  return (e, v) => {
    if (e) reject(e)
    else if (v === null) reject(new Error('The PKCS#11 call returned no result.'))
    else resolve(v)
  }
}

/** C_EncryptInit + async C_Encrypt. `outLength` must cover the output (GCM: input + 16). */
export function encryptAsync(session: graphene.Session, mech: graphene.MechanismType, key: graphene.Key, data: Buffer, outLength: number): Promise<Buffer> {
  const cipher = session.createCipher(mech, key)
  return new Promise((resolve, reject) => cipher.once(data, Buffer.alloc(outLength), settle(resolve, reject)))
}

/** C_DecryptInit + async C_Decrypt. */
export function decryptAsync(session: graphene.Session, mech: graphene.MechanismType, key: graphene.Key, data: Buffer, outLength: number): Promise<Buffer> {
  const decipher = session.createDecipher(mech, key)
  return new Promise((resolve, reject) => decipher.once(data, Buffer.alloc(outLength), settle(resolve, reject)))
}

/** C_SignInit + async C_Sign. */
export function signAsync(session: graphene.Session, mech: graphene.MechanismType, key: graphene.Key, data: Buffer): Promise<Buffer> {
  const signer = session.createSign(mech, key)
  return new Promise((resolve, reject) => signer.once(data, settle(resolve, reject)))
}

/** Async C_GenerateKey. */
export function generateKeyAsync(session: graphene.Session, mech: graphene.MechanismType, template: graphene.ITemplate): Promise<graphene.SecretKey> {
  return new Promise((resolve, reject) => session.generateKey(mech, template, settle(resolve, reject)))
}

/** Async C_GenerateKeyPair. */
export function generateKeyPairAsync(
  session: graphene.Session,
  mech: graphene.MechanismType,
  publicTemplate: graphene.ITemplate,
  privateTemplate: graphene.ITemplate,
): Promise<graphene.IKeyPair> {
  return new Promise((resolve, reject) => session.generateKeyPair(mech, publicTemplate, privateTemplate, settle(resolve, reject)))
}

/** Async C_UnwrapKey: the unwrapped key exists only inside the token. */
export function unwrapKeyAsync(session: graphene.Session, mech: graphene.MechanismType, unwrappingKey: graphene.Key, wrapped: Buffer, template: graphene.ITemplate): Promise<graphene.Key> {
  return new Promise((resolve, reject) => session.unwrapKey(mech, unwrappingKey, wrapped, template, settle(resolve, reject)))
}

/** Async C_WrapKey. */
export function wrapKeyAsync(session: graphene.Session, mech: graphene.MechanismType, wrappingKey: graphene.Key, key: graphene.Key): Promise<Buffer> {
  return new Promise((resolve, reject) => session.wrapKey(mech, wrappingKey, key, settle(resolve, reject)))
}

/** C_VerifyInit + async C_Verify; an invalid signature (or one of the wrong length) is `false`, not an error. */
export function verifyAsync(session: graphene.Session, mech: graphene.MechanismType, key: graphene.Key, data: Buffer, signature: Buffer): Promise<boolean> {
  const verifier = session.createVerify(mech, key)
  return new Promise((resolve, reject) =>
    verifier.once(data, signature, (e, ok) => {
      if (e && /CKR_SIGNATURE_(INVALID|LEN_RANGE)/.test(e.message)) resolve(false)
      else if (e) reject(e)
      else resolve(ok)
    }),
  )
}
