import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  KEY_USAGES,
  SIGN_ALGORITHMS,
  WRAPPING_ALGORITHMS,
  type ProviderCapabilities,
  type SymmetricKeySpec,
} from '@keyward/core'

/**
 * Everything Tencent KMS offers through the 2019-01-18 API, with the conditions stated rather than hidden.
 * `symmetricKeySpecs` depends on where the keys live: a standard region makes AES-256 CMKs, a 国密 region or
 * GM HSM cluster makes SM4 CMKs, and CreateKey cannot choose between them; `keyward serve` can make both.
 */
export function tencentKmsCapabilities(symmetricKeySpecs: readonly SymmetricKeySpec[]): ProviderCapabilities {
  return {
    keyUsages: KEY_USAGES,
    symmetricKeySpecs,
    signAlgorithms: SIGN_ALGORITHMS,
    asymmetricDecryptAlgorithms: ASYMMETRIC_ENCRYPTION_ALGORITHMS,
    wrappingAlgorithms: WRAPPING_ALGORITHMS,
    keyRotation: true,
    notes: [
      'SM4 CMKs exist only in Tencent KMS 国密 (GM) regions / GM HSM clusters, where every ENCRYPT_DECRYPT key is SM4; set symmetricKeySpecs: ["SM4"] there. KeySpec is sent only to endpoints that list both specs (keyward serve).',
      'Asymmetric CMKs (RSA-2048, SM2, ECC P-256) and their sign/decrypt algorithms need a region and KMS edition that offer them.',
      'Key rotation applies to ENCRYPT_DECRYPT keys of origin TENCENT_KMS; BYOK (Type 2) to ENCRYPT_DECRYPT keys.',
      'createKey with a chosen keyId (Type 2, for BYOK migration) works against keyward serve only: real Tencent KMS assigns every KeyId, and its refusal (UnknownParameter) becomes UnsupportedOperation.',
      'Tencent does not report a key version count: keyVersionCount reads 1 unless the endpoint returns KeyVersionCount.',
      'Keys of KeyUsages Keyward does not model (e.g. RSA-3072/4096) are left out of listKeys and rejected by describeKey.',
    ],
  }
}
