import * as graphene from 'graphene-pk11'
import { IMPORT_MATERIAL_BYTES, KeywardError, type SymmetricKeySpec } from '@keyward/core'
import { etmCheckValue } from './etm-crypto.js'
import { ckrOf, isSessionLost, toKeywardError } from './pkcs11-errors.js'
import { keyCheckValue } from './symmetric-crypto.js'
import type { TokenContext } from './token-context.js'
import { hasMechanism } from './token-needs.js'
import { generateKeyAsync, wrapKeyAsync } from './token-ops.js'

/**
 * Codes with which a token says the wrapped bytes (not the mechanism, not the key) are wrong. SoftHSM 2.6 answers
 * a failed RSA decryption (bad padding) with CKR_GENERAL_ERROR, so that one counts too, for C_UnwrapKey only.
 */
const MATERIAL_CODES = new Set([
  'CKR_ENCRYPTED_DATA_INVALID',
  'CKR_ENCRYPTED_DATA_LEN_RANGE',
  'CKR_WRAPPED_KEY_INVALID',
  'CKR_WRAPPED_KEY_LEN_RANGE',
  'CKR_KEY_SIZE_RANGE',
  'CKR_DATA_INVALID',
  'CKR_DATA_LEN_RANGE',
  'CKR_GENERAL_ERROR',
])

/**
 * The error of a failed C_UnwrapKey of the caller's material. Only the codes about the wrapped bytes mean the
 * material is bad (DecryptMaterialError); a token without C_UnwrapKey, or without the mechanism, says so
 * (UnsupportedOperation), and anything else keeps its own code, instead of all of it becoming "bad material".
 */
export function unwrapError(e: unknown): unknown {
  if (isSessionLost(e)) return e
  const ckr = ckrOf(e)
  if (ckr && MATERIAL_CODES.has(ckr)) {
    return new KeywardError(
      'InvalidParameter.DecryptMaterialError',
      'The key material could not be unwrapped with the current import key and algorithm.',
      { cause: e, backendCode: ckr },
    )
  }
  if (ckr === 'CKR_FUNCTION_NOT_SUPPORTED') {
    return new KeywardError(
      'UnsupportedOperation',
      'The token does not implement C_UnwrapKey, so key material cannot be imported into it (CKR_FUNCTION_NOT_SUPPORTED).',
      { cause: e, backendCode: ckr },
    )
  }
  return toKeywardError(e, 'Unwrapping the key material')
}

/** What SoftHSM answers when a cipher is given a key of no valid size (CKR_MECHANISM_INVALID for AES-GCM). */
const KEY_SIZE_CODES = new Set(['CKR_MECHANISM_INVALID', 'CKR_KEY_SIZE_RANGE', 'CKR_KEY_TYPE_INCONSISTENT'])

function wrongLength(spec: SymmetricKeySpec, cause?: unknown): KeywardError {
  return new KeywardError(
    'InvalidParameterValue',
    `Key material for ${spec} must be ${IMPORT_MATERIAL_BYTES[spec]} bytes.`,
    cause === undefined ? {} : { cause },
  )
}

/**
 * CKA_VALUE_LEN of an unwrapped key when the token fills it in (openCryptoki, NSS); undefined when it does not
 * (SoftHSM: 0).
 */
function reportedLength(key: graphene.Key): number | undefined {
  try {
    const n = key.getAttribute({ valueLen: null }).valueLen
    return typeof n === 'number' && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/**
 * For tokens that leave CKA_VALUE_LEN at 0 after C_UnwrapKey (SoftHSM, which also accepts AES keys of any
 * length): an extractable session copy is wrapped with CKM_AES_KEY_WRAP under an ephemeral session key, and the
 * output length (key length rounded up to 8, + 8) gives the length. The wrapped bytes are under a key that never
 * leaves the token and is destroyed a moment later, so the material is never in host memory in plaintext.
 */
async function measuredLength(
  ctx: TokenContext,
  session: graphene.Session,
  unwrapExtractable: () => Promise<graphene.Key>,
): Promise<number | undefined> {
  if (!hasMechanism(ctx.plan().facts, 'AES_KEY_WRAP', ['WRAP'])) {
    throw new KeywardError(
      'UnsupportedOperation',
      'The token does not report the length of unwrapped keys (CKA_VALUE_LEN) and has no CKM_AES_KEY_WRAP to measure it, so imported material cannot be checked.',
    )
  }
  const copy = await unwrapExtractable()
  let ephemeral: graphene.Key | undefined
  try {
    ephemeral = await generateKeyAsync(session, 'AES_KEY_GEN', {
      keyType: graphene.KeyType.AES,
      valueLen: 32,
      token: false,
      sensitive: true,
      extractable: false,
      wrap: true,
    })
    return (await wrapKeyAsync(session, 'AES_KEY_WRAP', ephemeral, copy)).length - 8
  } catch (e) {
    // RFC 3394 wraps multiples of 8 bytes only; anything else is the wrong length for every key spec.
    if (isSessionLost(e) || ckrOf(e) === undefined) throw e
    return undefined
  } finally {
    for (const o of [copy, ephemeral])
      if (o)
        try {
          session.destroy(o)
        } catch {
          /* session objects die with the session */
        }
  }
}

/**
 * Length and key check value of wrapped material, found inside the token from a probe object that is destroyed
 * afterwards. The length is CKA_VALUE_LEN when the token reports it, else measured ({@link measuredLength}).
 * The check value is the scheme's own: GCM over a fixed block, or HMAC with the derived MAC key.
 */
export async function probeMaterial(
  ctx: TokenContext,
  session: graphene.Session,
  spec: SymmetricKeySpec,
  probeId: Buffer,
  unwrap: (extractable: boolean | undefined) => Promise<graphene.Key>,
): Promise<Buffer> {
  const probe = await unwrap(undefined)
  try {
    const reported = reportedLength(probe)
    const length = reported ?? (await measuredLength(ctx, session, () => unwrap(true)))
    if (length !== IMPORT_MATERIAL_BYTES[spec]) throw wrongLength(spec)
    try {
      return ctx.plan().symmetric === 'AES-256-CBC-HMAC-SHA256' && spec === 'AES_256'
        ? await etmCheckValue(session, probe, probeId)
        : await keyCheckValue(ctx, spec, probe, session)
    } catch (e) {
      if (isSessionLost(e)) throw e
      // SoftHSM pads a 25-31 byte key to 32 when wrapping it, so a measured length is not exact; the cipher itself
      // then refuses a key that is no valid key size, with one of KEY_SIZE_CODES. A length the token reported is
      // exact, and any other code is about the mechanism or the token: those errors are their own.
      if (reported === undefined && KEY_SIZE_CODES.has(ckrOf(e) ?? '')) throw wrongLength(spec, e)
      throw toKeywardError(e, 'Computing the key check value of the material')
    }
  } finally {
    try {
      session.destroy(probe)
    } catch {
      /* a session object dies with its session anyway */
    }
  }
}
