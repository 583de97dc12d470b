import type { ExpectedCapabilities } from './harness.js'

/**
 * The expected capabilities of a provider that implements the whole contract (software; Tencent KMS through
 * `keyward serve` over it). Spelled out rather than read from core's tables, so the suite pins the contract
 * independently of the code it checks.
 */
export const FULL_CONTRACT: ExpectedCapabilities = {
  keyUsages: [
    'ENCRYPT_DECRYPT',
    'ASYMMETRIC_DECRYPT_RSA_2048',
    'ASYMMETRIC_DECRYPT_SM2',
    'ASYMMETRIC_SIGN_VERIFY_SM2',
    'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    'ASYMMETRIC_SIGN_VERIFY_ECC',
  ],
  symmetricKeySpecs: ['AES_256', 'SM4'],
  signAlgorithms: ['SM2DSA', 'RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2'],
  wrappingAlgorithms: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  keyRotation: true,
}
