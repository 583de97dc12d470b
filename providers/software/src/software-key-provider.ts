import { randomBytes } from 'node:crypto'
import {
  DataKey, KEY_USAGES, KEY_USAGE_TABLE, LIMITS,
  checkBytes, checkEncryptionContext, checkGenerateDataKey, checkKeyId, checkNumberOfRandomBytes, checkOneOf,
  checkPlaintext, checkSignRequest, toBase64, zeroize,
  type KeyMetadata, type KeyUsage, type MessageType, type RsaEncryptionAlgorithm,
  type AsymmetricRsaDecryptRequest, type AsymmetricSm2DecryptRequest, type CallOptions, type DecryptRequest, type DecryptResult,
  type EncryptRequest, type EncryptResult, type GenerateDataKeyRequest, type KeyProvider, type PublicKeyResult,
  type ReEncryptRequest, type ReEncryptResult, type SignRequest, type VerifyRequest,
} from '@keyward/core'
import { asymmetricDecrypt, publicSpki, signWith, usageFor, verifyWith } from './asymmetric-ops.js'
import { spkiToPem } from './crypto/key-pairs.js'
import type { KeyBook } from './key-book.js'
import { checkRequest, requireEnabled, requireUsage } from './key-rules.js'
import { SoftwareKeyImport } from './software-key-import.js'
import { decryptBlob, encryptToBlob } from './symmetric-ops.js'

/**
 * A {@link KeyProvider} on Node's OpenSSL (AES-256-GCM, RSA, ECDSA P-256) and @keyward/gm (SM2, SM4), with
 * keys in a {@link KeyStore} sealed under a root key. Symmetric ciphertexts use core's blob format, the one
 * the PKCS#11 provider emits, so keys migrated between the two keep decrypting.
 *
 * @example
 * ```ts
 * const provider = new SoftwareKeyProvider({
 *   store: SqliteKeyStore.open('/var/lib/keyward/keys.db'),
 *   rootKey: RootKey.load({ keyFile: '/etc/keyward/root.key' }),
 * })
 * const { keyId } = await provider.createKey({ alias: 'orders' })
 * const { ciphertextBlob } = await provider.encrypt({ keyId, plaintext: Buffer.from('4111 1111 1111 1111') })
 * ```
 */
export class SoftwareKeyProvider extends SoftwareKeyImport implements KeyProvider {
  /** Encrypt (≤ 4096 bytes) under the key's newest version; the EncryptionContext is bound as AAD. */
  async encrypt(req: EncryptRequest, opts?: CallOptions): Promise<EncryptResult> {
    const book = this.live(opts)
    checkRequest(req, 'Encrypt')
    checkKeyId(req.keyId)
    checkPlaintext(req.plaintext)
    checkEncryptionContext(req.encryptionContext)
    return this.onEncrypt(book, req)
  }

  protected async onEncrypt(book: KeyBook, req: EncryptRequest): Promise<EncryptResult> {
    const key = await usableKey(book, req.keyId, ['ENCRYPT_DECRYPT'], 'Encrypt')
    return { keyId: key.keyId, ciphertextBlob: await encryptToBlob(book, key, req.plaintext, req.encryptionContext) }
  }

  /** Decrypt a blob (no KeyId needed: the blob names key and version). Failures are decryptionFailed(). */
  async decrypt(req: DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.live(opts)
    checkRequest(req, 'Decrypt')
    checkEncryptionContext(req.encryptionContext)
    return this.onDecrypt(book, req)
  }

  protected async onDecrypt(book: KeyBook, req: DecryptRequest): Promise<DecryptResult> {
    return decryptBlob(book, req.ciphertextBlob, req.encryptionContext)
  }

  /** ReEncrypt: decrypt, then encrypt under the destination key (default: the source key's newest version). */
  async reEncrypt(req: ReEncryptRequest, opts?: CallOptions): Promise<ReEncryptResult> {
    const book = this.live(opts)
    checkRequest(req, 'ReEncrypt')
    checkEncryptionContext(req.sourceEncryptionContext, 'SourceEncryptionContext')
    checkEncryptionContext(req.destinationEncryptionContext, 'DestinationEncryptionContext')
    if (req.destinationKeyId !== undefined) checkKeyId(req.destinationKeyId, 'DestinationKeyId')
    return this.onReEncrypt(book, req)
  }

  protected async onReEncrypt(book: KeyBook, req: ReEncryptRequest): Promise<ReEncryptResult> {
    const source = await decryptBlob(book, req.ciphertextBlob, req.sourceEncryptionContext)
    try {
      const dest = await usableKey(book, req.destinationKeyId ?? source.keyId, ['ENCRYPT_DECRYPT'], 'ReEncrypt')
      const ciphertextBlob = await encryptToBlob(book, dest, source.plaintext, req.destinationEncryptionContext)
      return { ciphertextBlob, keyId: dest.keyId, sourceKeyId: source.keyId, reEncrypted: true }
    } finally {
      zeroize(source.plaintext)
    }
  }

  /** GenerateDataKey (AES_128, AES_256 or NumberOfBytes): the plaintext and its blob, as core's DataKey. */
  async generateDataKey(req: GenerateDataKeyRequest, opts?: CallOptions): Promise<DataKey> {
    const book = this.live(opts)
    checkRequest(req, 'GenerateDataKey')
    const n = checkGenerateDataKey(req)
    return this.onGenerateDataKey(book, req, n)
  }

  protected async onGenerateDataKey(book: KeyBook, req: GenerateDataKeyRequest, numberOfBytes: number): Promise<DataKey> {
    const key = await usableKey(book, req.keyId, ['ENCRYPT_DECRYPT'], 'GenerateDataKey')
    const plaintext = randomBytes(numberOfBytes)
    try {
      return new DataKey(key.keyId, plaintext, await encryptToBlob(book, key, plaintext, req.encryptionContext))
    } catch (e) {
      zeroize(plaintext)
      throw e
    }
  }

  /** GenerateRandom (1-1024 bytes) from Node's CSPRNG. */
  async generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array> {
    this.live(opts)
    checkNumberOfRandomBytes(numberOfBytes)
    return randomBytes(numberOfBytes)
  }

  /** GetPublicKey of an asymmetric key: DER SPKI (base64) and PEM. */
  async getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult> {
    const book = this.live(opts)
    checkKeyId(keyId)
    return this.onGetPublicKey(book, keyId)
  }

  protected async onGetPublicKey(book: KeyBook, keyId: string): Promise<PublicKeyResult> {
    const key = await usableKey(book, keyId, ASYMMETRIC_USAGES, 'GetPublicKey')
    const spki = await publicSpki(book, key)
    return { keyId, publicKey: toBase64(spki), publicKeyPem: spkiToPem(spki) }
  }

  /** AsymmetricRsaDecrypt (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256) with an ASYMMETRIC_DECRYPT_RSA_2048 key. */
  async asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.live(opts)
    checkRequest(req, 'AsymmetricRsaDecrypt')
    checkKeyId(req.keyId)
    checkOneOf('Algorithm', req.algorithm, RSA_DECRYPT_ALGORITHMS)
    checkBytes('Ciphertext', req.ciphertext, 1, 512)
    return this.onAsymmetricDecrypt(book, req.keyId, 'ASYMMETRIC_DECRYPT_RSA_2048', req.algorithm, req.ciphertext)
  }

  /** AsymmetricSm2Decrypt: C1C3C2, ASN.1 DER or raw 04‖C1C3C2 (≤ 256 bytes, as Tencent). */
  async asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult> {
    const book = this.live(opts)
    checkRequest(req, 'AsymmetricSm2Decrypt')
    checkKeyId(req.keyId)
    checkBytes('Ciphertext', req.ciphertext, 1, LIMITS.maxSm2CiphertextBytes)
    return this.onAsymmetricDecrypt(book, req.keyId, 'ASYMMETRIC_DECRYPT_SM2', 'SM2', req.ciphertext)
  }

  protected async onAsymmetricDecrypt(
    book: KeyBook,
    keyId: string,
    usage: KeyUsage,
    algorithm: RsaEncryptionAlgorithm | 'SM2',
    ciphertext: Uint8Array,
  ): Promise<DecryptResult> {
    const key = await usableKey(book, keyId, [usage], algorithm === 'SM2' ? 'AsymmetricSm2Decrypt' : 'AsymmetricRsaDecrypt')
    return { keyId: key.keyId, plaintext: await asymmetricDecrypt(book, key, algorithm, ciphertext) }
  }

  /** SignByAsymmetricKey: RAW is hashed here (SHA-256, or SM3(Z‖M) for SM2DSA); DIGEST is signed as given. DER out. */
  async signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }> {
    const book = this.live(opts)
    checkRequest(req, 'SignByAsymmetricKey')
    const messageType = checkSignRequest(req)
    return this.onSign(book, req, messageType)
  }

  protected async onSign(book: KeyBook, req: SignRequest, messageType: MessageType): Promise<{ signature: Uint8Array }> {
    const key = await usableKey(book, req.keyId, [usageFor(req.algorithm)], `SignByAsymmetricKey with ${req.algorithm}`)
    return { signature: await signWith(book, key, req.algorithm, req.message, messageType) }
  }

  /** VerifyByAsymmetricKey: a malformed signature is simply not valid. */
  async verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }> {
    const book = this.live(opts)
    checkRequest(req, 'VerifyByAsymmetricKey')
    const messageType = checkSignRequest(req)
    checkBytes('Signature', req.signature, 1, 1024)
    return this.onVerify(book, req, messageType)
  }

  protected async onVerify(book: KeyBook, req: VerifyRequest, messageType: MessageType): Promise<{ signatureValid: boolean }> {
    const key = await usableKey(book, req.keyId, [usageFor(req.algorithm)], `VerifyByAsymmetricKey with ${req.algorithm}`)
    return { signatureValid: await verifyWith(book, key, req.algorithm, req.message, messageType, req.signature) }
  }
}

const RSA_DECRYPT_ALGORITHMS = KEY_USAGE_TABLE.ASYMMETRIC_DECRYPT_RSA_2048.encryptionAlgorithms.filter((a): a is RsaEncryptionAlgorithm => a !== 'SM2')
const ASYMMETRIC_USAGES = KEY_USAGES.filter((u) => KEY_USAGE_TABLE[u].kind !== 'symmetric')

/** The key, if it has one of `usages` and is Enabled; otherwise the code Tencent gives. */
async function usableKey(book: KeyBook, keyId: string, usages: readonly KeyUsage[], action: string): Promise<KeyMetadata> {
  const key = await book.get(keyId)
  requireUsage(key, usages, action)
  requireEnabled(key)
  return key
}
