import { createCipheriv, createDecipheriv } from 'node:crypto'
import { KeywardError } from '@keyward/core'
import { createSm4GcmCipher, createSm4GcmDecipher, type GcmCipherLike, type GcmDecipherLike } from '@keyward/gm'

/**
 * The algorithm suites of the envelope message format, as data. A suite fixes the cipher, the HKDF hash that
 * derives the per-message key, the commitment and the nonce base from the data key, and the key lengths.
 */

/** The encrypt half of a GCM cipher (Node's CipherGCM surface; gm's SM4-GCM stream has the same). */
export type AeadCipher = GcmCipherLike

/** The decrypt half of a GCM cipher (Node's DecipherGCM surface); `final()` throws when the tag is wrong. */
export type AeadDecipher = GcmDecipherLike

/** Names of the suites (stable; they appear in docs/message-format.md). */
export const SUITE_NAMES = ['AES_256_GCM_HKDF_SHA256_COMMIT', 'SM4_GCM_HKDF_SM3_COMMIT'] as const
/** A suite name. */
export type SuiteName = (typeof SUITE_NAMES)[number]

/** One algorithm suite. */
export interface Suite {
  readonly name: SuiteName
  /** 2-byte id written in the header. */
  readonly id: number
  /** Hash of HKDF (node:crypto name). */
  readonly hkdfHash: 'sha256' | 'sm3'
  /** Length of the data key the keyring generates (HKDF input). */
  readonly dataKeyLength: number
  /** Length of the derived cipher key. */
  readonly cipherKeyLength: number
  createCipher(key: Uint8Array, iv: Uint8Array): AeadCipher
  createDecipher(key: Uint8Array, iv: Uint8Array): AeadDecipher
}

/** Bytes of the key commitment (every suite). */
export const COMMITMENT_LENGTH = 32
/** GCM nonce bytes. */
export const NONCE_LENGTH = 12
/** GCM tag bytes. */
export const TAG_LENGTH = 16

const aesGcm: Suite = {
  name: 'AES_256_GCM_HKDF_SHA256_COMMIT',
  id: 0x0001,
  hkdfHash: 'sha256',
  dataKeyLength: 32,
  cipherKeyLength: 32,
  createCipher: (key, iv) => createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH }),
  createDecipher: (key, iv) => createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH }),
}

/** 国密: SM4-GCM (from @keyward/gm: OpenSSL sm4-ctr + GHASH) with HKDF over HMAC-SM3. */
const sm4Gcm: Suite = {
  name: 'SM4_GCM_HKDF_SM3_COMMIT',
  id: 0x0002,
  hkdfHash: 'sm3',
  dataKeyLength: 32,
  cipherKeyLength: 16,
  createCipher: (key, iv) => createSm4GcmCipher(key, iv, { authTagLength: TAG_LENGTH }),
  createDecipher: (key, iv) => createSm4GcmDecipher(key, iv, { authTagLength: TAG_LENGTH }),
}

const suites: ReadonlyMap<number, Suite> = new Map<number, Suite>([
  [aesGcm.id, aesGcm],
  [sm4Gcm.id, sm4Gcm],
])
const byName: ReadonlyMap<SuiteName, Suite> = new Map<SuiteName, Suite>([
  [aesGcm.name, aesGcm],
  [sm4Gcm.name, sm4Gcm],
])

/** The default suite: AES-256-GCM, HKDF-SHA-256, key commitment. */
export const DEFAULT_SUITE: SuiteName = 'AES_256_GCM_HKDF_SHA256_COMMIT'

/** The suite of a header id; unknown ids are an invalid message. */
export function suiteById(id: number): Suite {
  const s = suites.get(id)
  if (!s)
    throw new KeywardError(
      'FailedOperation.InvalidMessage',
      `Unknown algorithm suite 0x${id.toString(16).padStart(4, '0')}.`,
    )
  return s
}

/**
 * The suites a reader accepts, checked: every name known, at least one. Default: every suite (both commit to
 * the key); a 国密 deployment passes `['SM4_GCM_HKDF_SM3_COMMIT']` (the `gm` compliance profile sets exactly that).
 */
export function checkAllowedSuites(names: unknown, field = 'allowedSuites'): ReadonlySet<SuiteName> {
  if (names === undefined) return new Set(SUITE_NAMES)
  if (!Array.isArray(names) || names.length === 0) {
    throw new KeywardError(
      'InvalidParameterValue',
      `${field} must be a non-empty array of suite names (${SUITE_NAMES.join(', ')}).`,
    )
  }
  for (const n of names) suiteByName(n as SuiteName)
  return new Set(names as SuiteName[])
}

/** The suite of a name, for encrypt options. */
export function suiteByName(name: SuiteName): Suite {
  const s = byName.get(name)
  if (!s) {
    throw new KeywardError(
      'InvalidParameterValue',
      `Suite must be one of ${[...byName.keys()].join(', ')}, got ${JSON.stringify(name)}.`,
    )
  }
  return s
}
