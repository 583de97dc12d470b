import * as graphene from 'graphene-pk11'
import type { KeyObject } from 'node:crypto'
import {
  KeywardError,
  decryptionFailed,
  isKeywardError,
  type KeyUsage,
  type MessageType,
  type RsaEncryptionAlgorithm,
  type SignAlgorithm,
} from '@keyward/core'
import { ecPairTemplates, rsaPairTemplates, type PairPurpose } from './key-templates.js'
import { oaepSha256Decode } from './oaep-decode.js'
import { toKeywardError } from './pkcs11-errors.js'
import { publicKeyObject } from './public-key.js'
import { ecdsaFromDer, ecdsaToDer, signInput } from './sign-mechanisms.js'
import type { TokenContext } from './token-context.js'
import { decryptAsync, generateKeyPairAsync, signAsync, verifyAsync } from './token-ops.js'

const RSA_BYTES = 256

/** Generates the key pair of an asymmetric CMK version inside the token (C_GenerateKeyPair). */
export async function generateKeyPair(ctx: TokenContext, usage: KeyUsage, id: Buffer): Promise<void> {
  let templates: { pub: graphene.ITemplate; priv: graphene.ITemplate }
  let mech: graphene.MechanismType
  if (usage === 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' || usage === 'ASYMMETRIC_DECRYPT_RSA_2048') {
    templates = rsaPairTemplates(id, usage === 'ASYMMETRIC_DECRYPT_RSA_2048' ? 'decrypt' : 'sign')
    mech = 'RSA_PKCS_KEY_PAIR_GEN'
  } else if (usage === 'ASYMMETRIC_SIGN_VERIFY_ECC') {
    templates = ecPairTemplates(id)
    mech = 'EC_KEY_PAIR_GEN'
  } else {
    throw new KeywardError('UnsupportedOperation', `The PKCS#11 provider cannot create ${usage} keys on this token.`)
  }
  await generatePair(ctx, mech, templates)
}

/** C_GenerateKeyPair of an RSA-2048 pair with `purpose` (the BYOK wrapping pair uses `unwrap`). */
export async function generateRsaPair(
  ctx: TokenContext,
  id: Buffer,
  purpose: PairPurpose,
  token = true,
): Promise<void> {
  const t = rsaPairTemplates(id, purpose)
  await generatePair(ctx, 'RSA_PKCS_KEY_PAIR_GEN', { pub: { ...t.pub, token }, priv: { ...t.priv, token } })
}

async function generatePair(
  ctx: TokenContext,
  mech: graphene.MechanismType,
  t: { pub: graphene.ITemplate; priv: graphene.ITemplate },
): Promise<void> {
  await ctx.pool
    .use((session) => generateKeyPairAsync(session, mech, t.pub, t.priv))
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Generating a key pair in the token')
    })
}

/** The public key of token object `id`, as a node KeyObject. */
export async function readPublicKey(ctx: TokenContext, id: Buffer, keyId: string): Promise<KeyObject> {
  return ctx.pool
    .use(async (session) => publicKeyObject(ctx.objects.find(session, 'public', id, keyId)))
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Reading the public key')
    })
}

/** Signs in the token; ECDSA comes back DER. */
export function signInToken(
  ctx: TokenContext,
  id: Buffer,
  keyId: string,
  algorithm: SignAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
): Promise<Uint8Array> {
  let call: Promise<Buffer>
  try {
    const { mech, data } = signInput(ctx.plan(), algorithm, message, messageType)
    call = ctx.pool.use((session) =>
      ctx.objects.with(session, 'private', id, keyId, (key) => signAsync(session, mech, key, data)),
    )
  } catch (e) {
    return Promise.reject(e)
  }
  // One .then for result and error alike (not an async frame plus a .catch): Sign is a hot path.
  return call.then(
    (sig) => (algorithm === 'ECC_P256_R1' ? ecdsaToDer(sig) : new Uint8Array(sig)),
    (e: unknown) => {
      throw toKeywardError(e, 'Sign')
    },
  )
}

/** Verifies in the token with the public key object (C_Verify); a malformed signature is just invalid. */
export async function verifyInToken(
  ctx: TokenContext,
  id: Buffer,
  keyId: string,
  algorithm: SignAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<boolean> {
  const { mech, data } = signInput(ctx.plan(), algorithm, message, messageType)
  const sig = algorithm === 'ECC_P256_R1' ? ecdsaFromDer(signature) : Buffer.from(signature)
  if (!sig || (algorithm !== 'ECC_P256_R1' && sig.length !== RSA_BYTES)) return false
  return ctx.pool
    .use((session) =>
      ctx.objects.with(session, 'public', id, keyId, (key) => verifyAsync(session, mech, key, data, sig)),
    )
    .catch((e: unknown) => {
      throw toKeywardError(e, 'Verify')
    })
}

/**
 * RSA-OAEP decryption with the private key in the token. SHA-1: CKM_RSA_PKCS_OAEP. SHA-256: SoftHSM 2.6 has no
 * OAEP-SHA-256, so raw RSA (CKM_RSA_X_509) in the token and OAEP decoding on the host (see oaep-decode.ts).
 */
export async function rsaDecryptInToken(
  ctx: TokenContext,
  id: Buffer,
  keyId: string,
  algorithm: RsaEncryptionAlgorithm,
  ciphertext: Uint8Array,
): Promise<Buffer> {
  if (ciphertext.byteLength !== RSA_BYTES) throw decryptionFailed()
  const ct = Buffer.from(ciphertext)
  const mech: graphene.MechanismType =
    algorithm === 'RSAES_OAEP_SHA_1'
      ? {
          name: 'RSA_PKCS_OAEP',
          params: new graphene.RsaOaepParams(graphene.MechanismEnum.SHA1, graphene.RsaMgf.MGF1_SHA1),
        }
      : 'RSA_X_509'
  let out: Buffer
  try {
    out = await ctx.pool.use((session) =>
      ctx.objects.with(session, 'private', id, keyId, (key) => decryptAsync(session, mech, key, ct, RSA_BYTES)),
    )
  } catch (e) {
    if (isKeywardError(e)) throw e
    const err = toKeywardError(e, 'AsymmetricRsaDecrypt')
    if (err.code === 'InternalError') throw decryptionFailed(e)
    throw err
  }
  if (algorithm === 'RSAES_OAEP_SHA_1') return out
  try {
    return oaepSha256Decode(out, RSA_BYTES)
  } finally {
    out.fill(0)
  }
}
