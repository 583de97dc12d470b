import type { CallOptions, WrappingAlgorithm } from '@keyward/core'

/** What a {@link KeyMaterialSource} wraps for: the import token's public key and algorithm, and the size wanted. */
export interface WrapTarget {
  /** The key being imported into. */
  readonly keyId: string
  /** RSA-2048 wrapping public key, DER SubjectPublicKeyInfo, base64 (ImportParameters.publicKey). */
  readonly publicKey: string
  readonly wrappingAlgorithm: WrappingAlgorithm
  /** Bytes of material the key takes (AES_256: 32, SM4: 16). */
  readonly materialBytes: number
}

/**
 * Where BYOK key material comes from. A source returns the material already wrapped for the target, so that a
 * source inside an HSM (C_WrapKey) never lets the plaintext reach the host; sources that do hold plaintext zero it
 * as soon as it is wrapped. Implementations: {@link BytesMaterialSource}, {@link FileMaterialSource},
 * {@link RandomMaterialSource}, {@link KeyWrapperMaterialSource} (PKCS#11 C_WrapKey, software export).
 */
export interface KeyMaterialSource {
  /** Short description for messages, e.g. `file /etc/keys/k.bin`; never the material. */
  readonly description: string
  /**
   * Returns the material wrapped with `target.publicKey` using `target.wrappingAlgorithm`. Throws
   * InvalidParameterValue when the material is not `target.materialBytes` long.
   */
  wrap(target: WrapTarget, opts?: CallOptions): Promise<Uint8Array>
}
