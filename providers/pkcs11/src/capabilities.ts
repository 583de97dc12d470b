import type { ProviderCapabilities } from '@keyward/core'
import { supportsSm4, type VendorMechanismMap } from './vendor-mechanisms.js'

/**
 * What a PKCS#11 token can do through this provider. Standard PKCS#11 (SoftHSM2 and most HSMs): AES-256,
 * RSA-2048 sign/decrypt, ECDSA P-256, BYOK with RSA PKCS#1 v1.5 and OAEP-SHA-1 unwrapping. SM4 appears only when
 * the instance's vendor map provides SM4_KEY_GEN and SM4_GCM. SM2 is not offered: its vendor mechanisms differ
 * in parameter shape between HSM makers and there is no token here to test them against.
 */
export function pkcs11Capabilities(vendor: VendorMechanismMap): ProviderCapabilities {
  return {
    keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_ECC'],
    symmetricKeySpecs: supportsSm4(vendor) ? ['AES_256', 'SM4'] : ['AES_256'],
    signAlgorithms: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
    asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    wrappingAlgorithms: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1'],
    keyRotation: true,
    notes: [
      'RSAES_OAEP_SHA_256 decryption: raw RSA (CKM_RSA_X_509) in the token, OAEP-SHA-256 decoding on the host, because SoftHSM 2.6 implements OAEP with SHA-1 only.',
      'BYOK: RSAES_OAEP_SHA_256 unwrapping is not offered (SoftHSM 2.6 has no OAEP-SHA-256 unwrap, and a host-side decode would put the material in host memory).',
      'SM2 (ASYMMETRIC_*_SM2, SM2DSA) unsupported; SM4 only with a vendor mechanism map.',
      'ECDSA: CKM_ECDSA over a host SHA-256 digest (SoftHSM 2.6 rejects CKM_ECDSA_SHA256); signatures are DER.',
    ],
  }
}
