import type { ProviderCapabilities } from './capabilities.js'

/** EncryptionContext: bound to the ciphertext as additional authenticated data; must match on decrypt. */
export type EncryptionContext = Readonly<Record<string, string>>

/** Options every call accepts. */
export interface CallOptions {
  /** Abort the call (remote providers stop retrying and cancel the request in flight). */
  signal?: AbortSignal
}

/**
 * What every provider has, whatever roles it plays: its name, its capability map, a random source and `close`.
 * The roles ({@link KeyAdministration}, {@link SymmetricCrypto}, {@link AsymmetricCrypto}, {@link KeyImport})
 * extend it; {@link KeyProvider} is their union.
 *
 * Errors: every method of every role throws only `KeywardError`s. Besides the codes each method names, any call
 * may throw
 * - `FailedOperation.ProviderUnavailable` — the provider is closed, or its backend (key store, token, module) is gone;
 * - `FailedOperation.Aborted` — `opts.signal` was aborted;
 * - `FailedOperation.StoreError` — the key store could not be read or written (software, PKCS#11 metadata);
 * - `InternalError` — a fault inside the backend (a PKCS#11 `CKR_*` with no better code; a 5xx from a remote KMS);
 * - PKCS#11 also `UnsupportedOperation` when the token refuses a mechanism or function (`CKR_MECHANISM_INVALID`,
 *   `CKR_FUNCTION_NOT_SUPPORTED`) and `FailedOperation.LoginFailed` when it refuses the PIN;
 * - remote providers (Tencent KMS) also `FailedOperation.NetworkError`, `FailedOperation.Timeout`,
 *   `RequestLimitExceeded` (after the retry budget), `AuthFailure.*` and `UnauthorizedOperation`; a server code
 *   Keyward does not have becomes the nearest one, with the server's kept as `backendCode`.
 *
 * @example
 * ```ts
 * function describe(p: KeyProviderBase): string {
 *   return `${p.name}: ${p.capabilities.keyUsages.join(', ')}`
 * }
 * ```
 */
export interface KeyProviderBase {
  /** Short stable name of the backend instance, e.g. `software`, `pkcs11`, `tencent-kms`. */
  readonly name: string
  /** What the provider can do; the roles it plays follow from it ({@link declaredRoles}). */
  readonly capabilities: ProviderCapabilities

  /**
   * GenerateRandom: `numberOfBytes` (1-1024) from the backend's random source (CSPRNG, token RNG, KMS). Key-free,
   * so every provider offers it whatever its roles.
   *
   * @throws `InvalidParameterValue` — `numberOfBytes` absent or not an integer in 1-1024.
   */
  generateRandom(numberOfBytes: number, opts?: CallOptions): Promise<Uint8Array>

  /** Releases sessions, files and connections. Later calls fail with
   * `FailedOperation.ProviderUnavailable`. */
  close(): Promise<void>
}
