import * as graphene from 'graphene-pk11'
import type * as pkcs11 from 'pkcs11js'
import {
  DataKey,
  KeywardError,
  blobAad,
  blobHeader,
  decryptionFailed,
  type BlobCipher,
  type CiphertextBlobParts,
  type EncryptionContext,
  type SymmetricKeySpec,
  isKeywardError,
  zeroize,
} from '@keyward/core'
import { enforceKeyAttributes } from './key-attributes.js'
import { secretKeyTemplate } from './key-templates.js'
import { generateEtmVersion, openEtm, sealEtm } from './etm-crypto.js'
import { nonces } from './nonce-source.js'
import { toKeywardError } from './pkcs11-errors.js'
import type { TokenContext } from './token-context.js'
import { decryptAsync, encryptAsync, encryptIntoAsync, generateKeyAsync } from './token-ops.js'

const TAG = 16
const NONCE = 12

/** The blob cipher of a key spec on this token: SM4-GCM, AES-256-GCM, or the encrypt-then-MAC construction. */
export function blobCipherOf(ctx: TokenContext, spec: SymmetricKeySpec): BlobCipher {
  if (spec === 'SM4') return 'SM4-GCM'
  return ctx.plan().symmetric === 'AES-256-CBC-HMAC-SHA256' ? 'AES-256-CBC-HMAC-SHA256' : 'AES-256-GCM'
}

/**
 * The GCM mechanism of a key spec: CKM_AES_GCM, or the instance's vendor SM4_GCM. The parameters are the
 * PKCS#11 v2.40 CK_GCM_PARAMS, with ulIvBits set: graphene's older AesGcmParams leave it out, which SoftHSM
 * ignores and NSS softokn refuses (CKR_MECHANISM_PARAM_INVALID).
 */
export function gcmMechanism(
  ctx: TokenContext,
  spec: SymmetricKeySpec,
  nonce: Buffer,
  aad: Buffer,
): graphene.IAlgorithm {
  const params = new graphene.AesGcm240Params(nonce, aad, TAG * 8)
  if (spec === 'AES_256') return { name: 'AES_GCM', params }
  const vendor = ctx.vendor.get('SM4_GCM')
  if (!vendor) throw new KeywardError('UnsupportedOperation', 'This token has no SM4_GCM vendor mechanism mapped.')
  return { name: vendor.mechanism, params }
}

/**
 * {@link gcmMechanism} as pkcs11js takes it; CKM_AES_GCM is built directly (graphene's wrappers cost on the hot path).
 */
export function gcmMechanismCki(
  ctx: TokenContext,
  spec: SymmetricKeySpec,
  nonce: Buffer,
  aad: Buffer,
): pkcs11.Mechanism {
  if (spec !== 'AES_256') return graphene.Mechanism.create(gcmMechanism(ctx, spec, nonce, aad))
  const parameter: pkcs11.AesGCM = {
    type: graphene.MechParams.AesGCMv240,
    iv: nonce,
    ivBits: NONCE * 8,
    aad,
    tagBits: TAG * 8,
  }
  return { mechanism: graphene.MechanismEnum.AES_GCM, parameter }
}

/** Key type, length and generation mechanism for a new symmetric key of `spec`. */
export function secretKeyKind(
  ctx: TokenContext,
  spec: SymmetricKeySpec,
): { mech: graphene.MechanismType; keyType: number; valueLen: number } {
  if (spec === 'AES_256') return { mech: 'AES_KEY_GEN', keyType: graphene.KeyType.AES, valueLen: 32 }
  const gen = ctx.vendor.get('SM4_KEY_GEN')
  if (!gen || gen.keyType === undefined)
    throw new KeywardError('UnsupportedOperation', 'This token has no SM4_KEY_GEN vendor mechanism mapped.')
  return { mech: { name: gen.mechanism, params: null }, keyType: gen.keyType, valueLen: gen.valueLen ?? 16 }
}

/**
 * Generates a symmetric CMK version inside the token (C_GenerateKey), sensitive and, unless asked, non-extractable
 * whatever the token's defaults. On an encrypt-then-MAC token, its two working keys are derived at once.
 */
export async function generateSecretKey(
  ctx: TokenContext,
  spec: SymmetricKeySpec,
  id: Buffer,
  extractable: boolean,
): Promise<void> {
  if (blobCipherOf(ctx, spec) === 'AES-256-CBC-HMAC-SHA256') return generateEtmVersion(ctx, id, extractable)
  const kind = secretKeyKind(ctx, spec)
  await ctx.pool
    .use(async (session) => {
      const key = await generateKeyAsync(
        session,
        kind.mech,
        secretKeyTemplate(id, kind.keyType, kind.valueLen, extractable),
      )
      enforceKeyAttributes(session, key, extractable)
    })
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Generating a key in the token')
    })
}

/**
 * Encrypts `plaintext` under the token key `id` and returns the printable Keyward ciphertext blob. The blob is
 * built in one buffer: header and nonce are written in place and the token writes ciphertext ‖ tag straight
 * after the tag's slot; only the 16-byte tag is then moved. This is the hot path of Encrypt and GenerateDataKey.
 */
export function sealBlob(
  ctx: TokenContext,
  target: { keyId: string; version: number; spec: SymmetricKeySpec; id: Buffer; header?: Buffer },
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
): Promise<string> {
  if (target.spec === 'AES_256' && ctx.plan().symmetric === 'AES-256-CBC-HMAC-SHA256')
    return sealEtm(ctx, target, plaintext, context)
  const n = plaintext.byteLength
  let blob: Buffer
  let ctAt: number
  let call: Promise<Buffer>
  try {
    // Callers may pass the version's header, built once: only read here, never written.
    const header = target.header ?? blobHeader(blobCipherOf(ctx, target.spec), target.keyId, target.version)
    ctAt = header.length + NONCE + TAG
    // header ‖ nonce ‖ tag ‖ ciphertext, plus TAG spare bytes where the token puts the tag after the ciphertext.
    blob = Buffer.allocUnsafe(ctAt + n + TAG)
    header.copy(blob, 0)
    const nonce = nonces.fill(blob.subarray(header.length, header.length + NONCE))
    const mech = gcmMechanismCki(ctx, target.spec, nonce, blobAad(header, context))
    // A view, not a copy: the async call keeps it (and so the caller's memory) alive until it completes.
    const data = Buffer.from(plaintext.buffer, plaintext.byteOffset, n)
    const out = blob.subarray(ctAt)
    call = ctx.pool.use((session) =>
      ctx.objects.with(session, 'secret', target.id, target.keyId, (key) =>
        encryptIntoAsync(session, mech, key, data, out),
      ),
    )
  } catch (e) {
    return Promise.reject(e)
  }
  // One .then for result and error alike (not an async frame plus a .catch): this is the Encrypt hot path.
  return call.then(
    (written) => {
      // Anything else would leave unwritten (allocUnsafe) bytes in the blob.
      if (written.length !== n + TAG)
        throw new KeywardError(
          'InternalError',
          `The token returned ${written.length} bytes for a ${n}-byte GCM encryption.`,
        )
      blob.copy(blob, ctAt - TAG, ctAt + n)
      return blob.toString('base64', 0, ctAt + n)
    },
    (e: unknown) => {
      throw toKeywardError(e, 'Encrypt')
    },
  )
}

/**
 * GenerateDataKey: `length` bytes from the token's RNG (C_GenerateRandom), sealed under `target` in the token.
 * The plaintext is zeroed if sealing fails.
 */
export async function generateDataKey(
  ctx: TokenContext,
  target: { keyId: string; version: number; spec: SymmetricKeySpec; id: Buffer; header?: Buffer },
  length: number,
  context: EncryptionContext | undefined,
): Promise<DataKey> {
  const plaintext = await generateRandom(ctx, length)
  try {
    return new DataKey(target.keyId, plaintext, await sealBlob(ctx, target, plaintext, context))
  } catch (e) {
    zeroize(plaintext)
    throw e
  }
}

/** `n` bytes from the token's RNG (C_GenerateRandom). */
export async function generateRandom(ctx: TokenContext, n: number): Promise<Uint8Array> {
  const bytes = await ctx.pool
    .use(async (session) => session.generateRandom(n))
    .catch((e: unknown) => {
      throw toKeywardError(e, 'GenerateRandom')
    })
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Decrypts a parsed blob with the token key `id`. Every failure of the ciphertext itself (tag, length) is the
 * one fixed decryptionFailed(); a missing key object or a dead token keep their own codes.
 */
export async function openBlob(
  ctx: TokenContext,
  source: { keyId: string; spec: SymmetricKeySpec; id: Buffer },
  parts: CiphertextBlobParts & { header: Buffer },
  context: EncryptionContext | undefined,
): Promise<Buffer> {
  if (parts.cipher !== blobCipherOf(ctx, source.spec)) throw decryptionFailed()
  if (parts.cipher === 'AES-256-CBC-HMAC-SHA256') return openEtm(ctx, source, parts, context)
  const mech = gcmMechanism(ctx, source.spec, Buffer.from(parts.nonce), blobAad(parts.header, context))
  const input = Buffer.concat([parts.ciphertext, parts.tag])
  try {
    return await ctx.pool.use((session) =>
      ctx.objects.with(session, 'secret', source.id, source.keyId, (key) =>
        decryptAsync(session, mech, key, input, input.length),
      ),
    )
  } catch (e) {
    if (isKeywardError(e)) throw e
    const err = toKeywardError(e, 'Decrypt')
    if (err.code === 'InternalError') throw decryptionFailed(e)
    throw err
  }
}

/**
 * A key check value computed inside the token: GCM over a zero block with a zero nonce and a fixed AAD. Equal
 * material gives equal values, so BYOK can tell an identical re-import from a different one without the
 * material ever leaving the token. (The fixed nonce is never used for data: data nonces are random 96-bit.)
 * Not the classic E_K(0^128) check value on purpose: for a GCM key that block is the GHASH key H, and a stored
 * H plus any observed ciphertext lets an attacker forge tags. This value is E_K(0^96‖2) and one tag, under a
 * nonce that data never uses.
 */
export async function keyCheckValue(
  ctx: TokenContext,
  spec: SymmetricKeySpec,
  key: graphene.Key,
  session: graphene.Session,
): Promise<Buffer> {
  const mech = gcmMechanism(ctx, spec, Buffer.alloc(NONCE), Buffer.from('keyward-kcv'))
  return encryptAsync(session, mech, key, Buffer.alloc(16), 16 + TAG)
}
