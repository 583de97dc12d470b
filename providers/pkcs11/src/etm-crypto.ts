import { createHash } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import {
  KeywardError,
  blobAad,
  blobHeader,
  decryptionFailed,
  isKeywardError,
  type CiphertextBlobParts,
  type EncryptionContext,
} from '@keyward/core'
import { enforceKeyAttributes } from './key-attributes.js'
import { derivedId, derivedKeyTemplate, secretKeyTemplate } from './key-templates.js'
import { nonces } from './nonce-source.js'
import { toKeywardError } from './pkcs11-errors.js'
import type { TokenContext } from './token-context.js'
import { decryptAsync, encryptAsync, generateKeyAsync, signAsync, unwrapKeyAsync, verifyAsync } from './token-ops.js'

/**
 * AES-256-CBC + HMAC-SHA256, encrypt-then-MAC: Encrypt/Decrypt on tokens without CKM_AES_GCM (openCryptoki 3.8's
 * software token), blob cipher 3. It is RFC 7518 §5.2.2.1 with AES-256 and the full 32-byte tag:
 *
 *   IV = 16 random bytes; C = AES-256-CBC-PAD(K_enc, IV, P)
 *   T  = HMAC-SHA256(K_mac, A ‖ IV ‖ C ‖ AL), A = blob header ‖ canonical context, AL = bits of A, 64-bit BE
 *   blob = header ‖ IV ‖ T ‖ C
 *
 * Decryption verifies T in the token (C_Verify) before it decrypts, so a padding error is never observable.
 *
 * A version is one AES-256 key, as on every other provider (it is what BYOK imports and what
 * `wrapKeyMaterialFor` exports). The two working keys are derived from it inside the token, so they are
 * independent and never leave it: K_enc = AES-256-ECB-Decrypt(K, C_enc) and K_mac = AES-256-ECB-Decrypt(K, C_mac)
 * through C_UnwrapKey(CKM_AES_ECB), with C_enc, C_mac fixed 32-byte constants (four distinct blocks). The AES key
 * itself may only unwrap (CKA_ENCRYPT/DECRYPT false), so it never touches data.
 */
const IV = 16
const TAG = 32
const constant = (what: string): Buffer =>
  createHash('sha256').update(`Keyward AES-256-CBC-HMAC-SHA256 v1 ${what} key`).digest()
/** The derivation inputs, exported for the tests that recompute K_enc / K_mac from known material. */
export const ETM_DERIVATION = { enc: constant('encryption'), mac: constant('authentication') } as const

const ECB: graphene.MechanismType = { name: 'AES_ECB', params: null }

/** The working-key ids of a version, by the version's (cached) CKA_ID buffer: built once per version. */
const idsOf = new WeakMap<Buffer, { enc: Buffer; mac: Buffer }>()
function ids(id: Buffer): { enc: Buffer; mac: Buffer } {
  let v = idsOf.get(id)
  if (!v) {
    v = { enc: derivedId(id, 'enc'), mac: derivedId(id, 'mac') }
    idsOf.set(id, v)
  }
  return v
}

/** Derives K_enc and K_mac from `key` (an AES key with CKA_UNWRAP) as objects of their own; returns them. */
export async function deriveWorkingKeys(
  session: graphene.Session,
  key: graphene.Key,
  id: Buffer,
  token: boolean,
): Promise<{ enc: graphene.Key; mac: graphene.Key }> {
  const enc = await unwrapKeyAsync(session, ECB, key, ETM_DERIVATION.enc, derivedKeyTemplate(id, 'enc', token))
  let mac: graphene.Key | undefined
  try {
    enforceKeyAttributes(session, enc, false)
    mac = await unwrapKeyAsync(session, ECB, key, ETM_DERIVATION.mac, derivedKeyTemplate(id, 'mac', token))
    enforceKeyAttributes(session, mac, false)
    return { enc, mac }
  } catch (e) {
    for (const o of [enc, mac])
      if (o)
        try {
          session.destroy(o)
        } catch {
          /* already gone */
        }
    throw e
  }
}

/** C_GenerateKey of a version's AES key (derive-only) and the derivation of its working keys, all token objects. */
export async function generateEtmVersion(ctx: TokenContext, id: Buffer, extractable: boolean): Promise<void> {
  await ctx.pool
    .use(async (session) => {
      const key = await generateKeyAsync(
        session,
        'AES_KEY_GEN',
        secretKeyTemplate(id, graphene.KeyType.AES, 32, extractable, 'derive'),
      )
      try {
        enforceKeyAttributes(session, key, extractable)
        await deriveWorkingKeys(session, key, id, true)
      } catch (e) {
        try {
          session.destroy(key)
        } catch {
          /* already gone */
        }
        throw e
      }
    })
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Generating a key in the token')
    })
}

/** A ‖ IV ‖ C ‖ AL, the HMAC input. */
function macInput(aad: Buffer, iv: Uint8Array, ct: Uint8Array): Buffer {
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(aad.length) * 8n)
  return Buffer.concat([aad, iv, ct, al])
}

/** Encrypts `plaintext` under version `id` and returns the printable blob (cipher 3). */
export async function sealEtm(
  ctx: TokenContext,
  target: { keyId: string; version: number; id: Buffer; header?: Buffer },
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
): Promise<string> {
  const header = target.header ?? blobHeader('AES-256-CBC-HMAC-SHA256', target.keyId, target.version)
  const iv = nonces.fill(Buffer.allocUnsafe(IV))
  const aad = blobAad(header, context)
  const data = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
  const k = ids(target.id)
  try {
    return await ctx.pool.use(async (session) => {
      const ct = await ctx.objects.with(session, 'secret', k.enc, target.keyId, (enc) =>
        encryptAsync(session, { name: 'AES_CBC_PAD', params: iv }, enc, data, data.length + IV - (data.length % IV)),
      )
      const tag = await ctx.objects.with(session, 'secret', k.mac, target.keyId, (mac) =>
        signAsync(session, 'SHA256_HMAC', mac, macInput(aad, iv, ct)),
      )
      if (tag.length !== TAG)
        throw new KeywardError('InternalError', `The token returned a ${tag.length}-byte HMAC-SHA256.`)
      return Buffer.concat([header, iv, tag, ct]).toString('base64')
    })
  } catch (e) {
    throw toKeywardError(e, 'Encrypt')
  }
}

/** Verifies, then decrypts a cipher-3 blob with version `id`; every failure of the ciphertext is decryptionFailed(). */
export async function openEtm(
  ctx: TokenContext,
  source: { keyId: string; id: Buffer },
  parts: CiphertextBlobParts & { header: Buffer },
  context: EncryptionContext | undefined,
): Promise<Buffer> {
  if (parts.ciphertext.length === 0 || parts.ciphertext.length % IV !== 0) throw decryptionFailed()
  const input = macInput(blobAad(parts.header, context), parts.nonce, parts.ciphertext)
  const tag = Buffer.from(parts.tag)
  const ct = Buffer.from(parts.ciphertext)
  const k = ids(source.id)
  try {
    return await ctx.pool.use(async (session) => {
      const valid = await ctx.objects.with(session, 'secret', k.mac, source.keyId, (mac) =>
        verifyAsync(session, 'SHA256_HMAC', mac, input, tag),
      )
      if (!valid) throw decryptionFailed()
      return ctx.objects.with(session, 'secret', k.enc, source.keyId, (enc) =>
        decryptAsync(session, { name: 'AES_CBC_PAD', params: Buffer.from(parts.nonce) }, enc, ct, ct.length),
      )
    })
  } catch (e) {
    if (isKeywardError(e)) throw e
    const err = toKeywardError(e, 'Decrypt')
    if (err.code === 'InternalError') throw decryptionFailed(e)
    throw err
  }
}

/** The key check value of an encrypt-then-MAC key: HMAC-SHA256(K_mac, "keyward-kcv"), computed in the token. */
export async function etmCheckValue(session: graphene.Session, key: graphene.Key, id: Buffer): Promise<Buffer> {
  const { enc, mac } = await deriveWorkingKeys(session, key, id, false)
  try {
    return await signAsync(session, 'SHA256_HMAC', mac, Buffer.from('keyward-kcv'))
  } finally {
    for (const o of [enc, mac])
      try {
        session.destroy(o)
      } catch {
        /* session objects die with the session */
      }
  }
}
