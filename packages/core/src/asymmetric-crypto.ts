import type { MessageType, RsaEncryptionAlgorithm, SignAlgorithm } from './algorithms.js'
import type { CallOptions, KeyProviderBase } from './key-provider-base.js'
import type { DecryptResult } from './symmetric-crypto.js'

/** GetPublicKey's answer. */
export interface PublicKeyResult {
  keyId: string
  /** DER SubjectPublicKeyInfo, base64 (Tencent's `PublicKey`). */
  publicKey: string
  /** PEM (Tencent's `PublicKeyPem`). */
  publicKeyPem: string
}

/** AsymmetricRsaDecrypt: an OAEP ciphertext made with the key's public key. */
export interface AsymmetricRsaDecryptRequest {
  keyId: string
  ciphertext: Uint8Array
  algorithm: RsaEncryptionAlgorithm
}

/** AsymmetricSm2Decrypt: an SM2 ciphertext made with the key's public key. */
export interface AsymmetricSm2DecryptRequest {
  keyId: string
  /** C1C3C2, ASN.1 DER (Tencent's form) or raw with the 04 prefix. */
  ciphertext: Uint8Array
}

/** SignByAsymmetricKey: a message (RAW) or its digest (DIGEST) to sign. */
export interface SignRequest {
  keyId: string
  algorithm: SignAlgorithm
  /** RAW: ≤ 4096 bytes; DIGEST: exactly 32 bytes (SM2DSA: SM3(Z‖M); others: SHA-256(M)). */
  message: Uint8Array
  messageType?: MessageType
}

/** VerifyByAsymmetricKey: the signed message and the signature (DER for SM2DSA and ECDSA). */
export interface VerifyRequest extends SignRequest {
  signature: Uint8Array
}

/**
 * The asymmetric-crypto role: public keys, signatures and decryption with the private half of RSA, ECC and SM2
 * keys that never leave the provider. A provider plays it when its capability map lists at least one asymmetric
 * key usage. Signatures, envelope header signing and asymmetric master keys need (part of) this role.
 *
 * Codes shared by every method: `MissingParameter` / `InvalidParameterValue.InvalidKeyId` (KeyId),
 * `ResourceUnavailable.CmkNotFound`, `UnsupportedOperation.UnsupportedKeyUsage` (a key of another usage, e.g. an
 * ENCRYPT_DECRYPT key or a signing key asked to decrypt), `ResourceUnavailable.CmkDisabled`,
 * `ResourceUnavailable.CmkArchived`, `ResourceUnavailable.CmkStateNotSupport` (PendingDelete), and
 * `MissingParameter` when the request is not an object; then the codes of {@link KeyProviderBase}.
 *
 * @example
 * ```ts
 * async function signOrder(signer: AsymmetricCrypto, keyId: string, order: Uint8Array): Promise<Uint8Array> {
 *   return (await signer.signByAsymmetricKey({ keyId, algorithm: 'SM2DSA', message: order })).signature
 * }
 * ```
 */
export interface AsymmetricCrypto extends KeyProviderBase {
  /** GetPublicKey of an asymmetric key: DER SPKI (base64) and PEM. @throws only the shared codes above. */
  getPublicKey(keyId: string, opts?: CallOptions): Promise<PublicKeyResult>

  /**
   * AsymmetricRsaDecrypt (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256) with an ASYMMETRIC_DECRYPT_RSA_2048 key.
   *
   * @throws `InvalidParameterValue` (an Algorithm outside the table; a ciphertext empty or over 512 bytes),
   *   `InvalidParameter` (ciphertext not bytes).
   * @throws `UnsupportedOperation` — an algorithm outside `capabilities.asymmetricDecryptAlgorithms`.
   * @throws `InvalidParameterValue.InvalidCiphertext` — the ciphertext does not decrypt (one fixed message).
   */
  asymmetricRsaDecrypt(req: AsymmetricRsaDecryptRequest, opts?: CallOptions): Promise<DecryptResult>

  /**
   * AsymmetricSm2Decrypt: C1C3C2, ASN.1 DER or raw 04‖C1C3C2, at most 256 bytes (as Tencent).
   *
   * @throws `InvalidParameter` / `InvalidParameterValue` (ciphertext not bytes, empty or too long),
   *   `InvalidParameterValue.InvalidCiphertext` — the ciphertext does not decrypt (one fixed message).
   */
  asymmetricSm2Decrypt(req: AsymmetricSm2DecryptRequest, opts?: CallOptions): Promise<DecryptResult>

  /**
   * SignByAsymmetricKey: RAW messages are hashed by the provider (SHA-256, or SM3(Z‖M) with the GM/T default id for
   * SM2DSA); DIGEST is signed as given. Returns a DER signature.
   *
   * @throws `InvalidParameterValue` — Algorithm or MessageType outside the tables, a RAW message empty or over 4096
   *   bytes, a DIGEST not 32 bytes (`InvalidParameter` when the message is not bytes).
   * @throws `UnsupportedOperation` — an algorithm outside `capabilities.signAlgorithms`;
   *   `UnsupportedOperation.UnsupportedKeyUsage` — the algorithm does not fit the key's usage.
   */
  signByAsymmetricKey(req: SignRequest, opts?: CallOptions): Promise<{ signature: Uint8Array }>

  /**
   * VerifyByAsymmetricKey. A malformed or wrong signature is `signatureValid: false`, never an error.
   *
   * @throws the codes of {@link AsymmetricCrypto.signByAsymmetricKey}, and `InvalidParameterValue` for a
   *   signature that is empty or over 1024 bytes.
   */
  verifyByAsymmetricKey(req: VerifyRequest, opts?: CallOptions): Promise<{ signatureValid: boolean }>
}
