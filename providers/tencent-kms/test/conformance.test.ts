import { ManualClock } from '@keyward/core'
import { describeKeyProvider, type ExpectedCapabilities } from '@keyward/conformance'
import { startServe } from './serve-harness.js'

/**
 * The whole conformance suite through TencentKmsKeyProvider → real Tencent SDK → `keyward serve` (loopback)
 * → SoftwareKeyProvider. The server offers both symmetric specs (its KeySpec extension), so the provider is
 * configured with both; against Tencent KMS a region offers one.
 */
const THROUGH_SERVE: ExpectedCapabilities = {
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

describeKeyProvider('tencent-kms → keyward serve (software backend)', async () => {
  // The backend's clock drives deletion windows, rotation and expiry; the server keeps the real clock for
  // request signatures (TC3 rejects timestamps more than 300 s off).
  const clock = new ManualClock()
  const serve = await startServe({ clock })
  const provider = serve.provider()
  return {
    provider,
    clock,
    close: async () => {
      await provider.close()
      await serve.close()
    },
  }
}, THROUGH_SERVE)
