import { createCipheriv, createDecipheriv } from 'node:crypto'
import {
  checkEncryptionContext,
  checkKeyId,
  checkString,
  decryptionFailed,
  fromBase64,
  needs,
  requireCompliantFor,
  zeroize,
  type CallOptions,
  type EncryptionContext,
  type SymmetricCrypto,
} from '@keyward/core'

/**
 * LEGACY — for interoperating with Tencent Cloud FaceID (face verification) integrations that exchange fields
 * as base64 of AES-256-ECB + PKCS#7 under a GenerateDataKey data key, with the data key's CiphertextBlob sent
 * alongside. It is never a default and never used by EnvelopeClient.
 *
 * Why it is legacy: ECB leaks equal blocks (equal ID-card prefixes give equal ciphertext blocks) and nothing
 * authenticates the ciphertext, so blocks can be cut, swapped or replayed undetected. Use EnvelopeClient or
 * encryptJsonFields for anything new.
 */

/** Options of {@link legacyFaceIdCodec}. */
export interface LegacyFaceIdCodecOptions {
  provider: Pick<SymmetricCrypto, 'generateDataKey' | 'decrypt'>
  /**
   * The CMK that generates the data keys, and the only one whose data keys `decrypt` accepts: a payload whose
   * CiphertextBlob was made under any other CMK fails with the fixed decryption error.
   */
  keyId?: string
  /**
   * Decrypt payloads under any CMK the provider lets the caller use (the blob names its key). Off by default;
   * a codec without `keyId` decrypts nothing unless this is set, and with it `keyId` only names the key `encrypt`
   * uses. Never set it where payloads come from outside.
   */
  discovery?: boolean
}

/** A legacy FaceID payload: each field base64(AES-256-ECB-PKCS7(dek, utf8 value)), plus the data key's blob. */
export interface LegacyFaceIdPayload {
  readonly ciphertextBlob: string
  readonly fields: Readonly<Record<string, string>>
}

/** Encrypts one value with a 32-byte data key: base64 of AES-256-ECB with PKCS#7 padding. */
export function legacyEcbEncrypt(dataKey: Uint8Array, plaintext: Uint8Array): string {
  requireCompliantFor([], 'legacyCodec', 'AES_256_ECB_PKCS7', 'legacyEcbEncrypt')
  const c = createCipheriv('aes-256-ecb', dataKey, null)
  return Buffer.concat([c.update(plaintext), c.final()]).toString('base64')
}

/** Decrypts one base64 AES-256-ECB/PKCS#7 value; bad base64, length or padding is the fixed decryption failure. */
export function legacyEcbDecrypt(dataKey: Uint8Array, ciphertextB64: string): Buffer {
  requireCompliantFor([], 'legacyCodec', 'AES_256_ECB_PKCS7', 'legacyEcbDecrypt')
  let ct: Buffer
  try {
    ct = fromBase64(ciphertextB64, 'ciphertext')
  } catch (e) {
    throw decryptionFailed(e)
  }
  if (ct.length === 0 || ct.length % 16 !== 0) throw decryptionFailed(new Error('not a whole number of AES blocks'))
  const d = createDecipheriv('aes-256-ecb', dataKey, null)
  const head = d.update(ct)
  try {
    return Buffer.concat([head, d.final()])
  } catch (e) {
    throw decryptionFailed(e)
  } finally {
    head.fill(0)
  }
}

/** The legacy codec bound to a provider; see the module note before using it. */
export class LegacyFaceIdCodec {
  readonly #provider: Pick<SymmetricCrypto, 'generateDataKey' | 'decrypt'>
  readonly #keyId: string | undefined
  readonly #discovery: boolean

  constructor(opts: LegacyFaceIdCodecOptions) {
    /*
     * Precondition: the legacy codec needs a provider; discovery is a boolean; no compliance profile is in force (ECB
     * is in none).
     */
    needs(
      opts?.provider && typeof opts.provider.generateDataKey === 'function',
      'MissingParameter',
      'legacyFaceIdCodec needs a provider.',
    )
    requireCompliantFor([opts.provider], 'legacyCodec', 'AES_256_ECB_PKCS7', 'LegacyFaceIdCodec')
    if (opts.keyId !== undefined) checkKeyId(opts.keyId)
    needs(
      opts.discovery === undefined || typeof opts.discovery === 'boolean',
      'InvalidParameterValue',
      'discovery must be a boolean.',
    )
    this.#provider = opts.provider
    this.#keyId = opts.keyId
    this.#discovery = opts.discovery === true
  }

  /** One fresh AES-256 data key for the call; each field encrypted under it. */
  async encrypt(
    fields: Readonly<Record<string, string>>,
    encryptionContext?: EncryptionContext,
    opts?: CallOptions,
  ): Promise<LegacyFaceIdPayload> {
    /* Precondition: encrypt needs a KeyId and string fields. */
    needs(this.#keyId !== undefined, 'MissingParameter', 'legacyFaceIdCodec needs a keyId to encrypt.')
    checkFields(fields)
    checkEncryptionContext(encryptionContext)
    const dk = await this.#provider.generateDataKey({ keyId: this.#keyId, keySpec: 'AES_256', encryptionContext }, opts)
    try {
      const out: Record<string, string> = {}
      for (const [k, v] of Object.entries(fields)) out[k] = legacyEcbEncrypt(dk.plaintext, Buffer.from(v, 'utf8'))
      return { ciphertextBlob: dk.ciphertextBlob, fields: out }
    } finally {
      dk.dispose()
    }
  }

  /** Decrypts every field of a payload (UTF-8 strings). */
  async decrypt(
    payload: LegacyFaceIdPayload,
    encryptionContext?: EncryptionContext,
    opts?: CallOptions,
  ): Promise<Record<string, string>> {
    /* Precondition: decrypt needs a KeyId (or discovery), a CiphertextBlob and string fields. */
    needs(
      this.#keyId !== undefined || this.#discovery,
      'MissingParameter',
      'legacyFaceIdCodec needs a keyId (or discovery: true) to decrypt.',
    )
    checkString('ciphertextBlob', payload?.ciphertextBlob, 65_536)
    checkFields(payload.fields)
    checkEncryptionContext(encryptionContext)
    const { keyId, plaintext } = await this.#provider.decrypt(
      { ciphertextBlob: payload.ciphertextBlob, encryptionContext },
      opts,
    )
    try {
      // The blob names its key; the provider reports which one it used: only the configured CMK is accepted.
      if (!this.#discovery && keyId !== this.#keyId)
        throw decryptionFailed(new Error('the data key was made under another CMK'))
      if (plaintext.length !== 32) throw decryptionFailed(new Error('the data key is not 32 bytes'))
      const out: Record<string, string> = {}
      for (const [k, v] of Object.entries(payload.fields)) {
        const pt = legacyEcbDecrypt(plaintext, v)
        out[k] = pt.toString('utf8')
        pt.fill(0)
      }
      return out
    } finally {
      zeroize(plaintext)
    }
  }
}

function checkFields(fields: unknown): asserts fields is Record<string, string> {
  needs(
    fields !== null && typeof fields === 'object' && !Array.isArray(fields),
    'InvalidParameter',
    'fields must be an object of string values.',
  )
  for (const [k, v] of Object.entries(fields))
    needs(typeof v === 'string', 'InvalidParameterValue', `fields.${k} must be a string.`)
}

/**
 * LEGACY codec for Tencent FaceID-style field encryption (AES-256-ECB + PKCS#7, base64, GenerateDataKey DEK).
 * Read the module note: it exists for interoperability only.
 *
 * @example
 * ```ts
 * const legacy = legacyFaceIdCodec({ provider, keyId })
 * const payload = await legacy.encrypt({ IdCard: '11010119900307001X', Name: '张三' })
 * const fields = await legacy.decrypt(payload)
 * ```
 */
export function legacyFaceIdCodec(opts: LegacyFaceIdCodecOptions): LegacyFaceIdCodec {
  return new LegacyFaceIdCodec(opts)
}
