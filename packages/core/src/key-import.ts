import type { WrappingAlgorithm, WrappingKeySpec } from './algorithms.js'
import type { CallOptions, KeyProviderBase } from './key-provider-base.js'

/** GetParametersForImport: how the material will be wrapped. */
export interface GetParametersForImportRequest {
  keyId: string
  wrappingAlgorithm: WrappingAlgorithm
  wrappingKeySpec?: WrappingKeySpec
}

/** GetParametersForImport's answer: the wrapping public key and its one-time token. */
export interface ImportParameters {
  keyId: string
  /** Opaque; pass to importKeyMaterial. Only the newest token of a key is valid, for 24 h. */
  importToken: string
  /** The RSA-2048 wrapping public key, DER SubjectPublicKeyInfo, base64. */
  publicKey: string
  /** Unix seconds. */
  parametersValidTo: number
}

/** ImportKeyMaterial: the wrapped material and the token it was wrapped for. */
export interface ImportKeyMaterialRequest {
  keyId: string
  importToken: string
  /** The key material wrapped with the token's public key and algorithm. */
  encryptedKeyMaterial: Uint8Array
  /** Unix seconds; 0 or absent = never expires. */
  validTo?: number
  /**
   * Set by a compliance profile (withCompliance): a token issued for a wrapping algorithm outside this list (e.g.
   * before the profile was switched on) is refused by providers that know their tokens' algorithm.
   */
  allowedWrappingAlgorithms?: readonly WrappingAlgorithm[]
}

/**
 * The key-import role (BYOK): material for an EXTERNAL key (CreateKey Type=2, from {@link KeyAdministration}) is
 * wrapped under a one-time RSA-2048 public key and imported. A provider plays it when its capability map lists at
 * least one wrapping algorithm; BYOK flows need it together with {@link KeyAdministration}.
 *
 * Codes shared by every method: `MissingParameter` / `InvalidParameterValue.InvalidKeyId` (KeyId; `MissingParameter`
 * too when the request is not an object), `ResourceUnavailable.CmkNotFound`,
 * `UnsupportedOperation.NotUserCreatedCmk` (the key is not EXTERNAL), `ResourceUnavailable.CmkArchived` and
 * `ResourceUnavailable.CmkStateNotSupport` (PendingDelete); then the codes of {@link KeyProviderBase}.
 *
 * @example
 * ```ts
 * const p = await kms.getParametersForImport({ keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
 * await kms.importKeyMaterial({ keyId, importToken: p.importToken, encryptedKeyMaterial: wrap(p.publicKey, material) })
 * ```
 */
export interface KeyImport extends KeyProviderBase {
  /**
   * GetParametersForImport: a wrapping public key and a token valid 24 h; a newer call supersedes older tokens.
   *
   * @throws `InvalidParameterValue` — WrappingAlgorithm or WrappingKeySpec outside the tables.
   * @throws `UnsupportedOperation` — a wrapping algorithm outside `capabilities.wrappingAlgorithms`.
   */
  getParametersForImport(req: GetParametersForImportRequest, opts?: CallOptions): Promise<ImportParameters>

  /**
   * ImportKeyMaterial: unwraps the material inside the provider; the key becomes Enabled (an imported key keeps its
   * state). Re-importing is allowed only with the identical material.
   *
   * @throws `MissingParameter` (ImportToken), `InvalidParameter` / `InvalidParameterValue` (EncryptedKeyMaterial not
   *   bytes, empty or over 1024 bytes; ValidTo not a Unix time or in the past).
   * @throws `InvalidParameter` — the token was not issued for this key; `ResourceUnavailable.TokenExpired` — it is
   *   older than 24 h or superseded (PKCS#11 answers `TokenExpired` for any token that is not the key's newest).
   * @throws `InvalidParameter.DecryptMaterialError` — the material does not unwrap under the token (or has the wrong
   * length).
   * @throws `InvalidParameterValue.MaterialNotMatch` — the key held different material before.
   * @throws `UnsupportedOperation.ComplianceProfile` — the token's wrapping algorithm is outside
   * `allowedWrappingAlgorithms`.
   */
  importKeyMaterial(req: ImportKeyMaterialRequest, opts?: CallOptions): Promise<void>

  /**
   * DeleteImportedKeyMaterial: the key goes back to PendingImport and refuses use until material is imported again.
   *
   * @throws only the shared codes above.
   */
  deleteImportedKeyMaterial(keyId: string, opts?: CallOptions): Promise<void>
}
