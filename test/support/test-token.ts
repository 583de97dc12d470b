/**
 * The one shape every throwaway PKCS#11 token of the tests has, whichever implementation is behind it
 * (SoftHSM2, NSS softokn, openCryptoki swtok, tpm2-pkcs11 on swtpm), so a test can run unchanged on each.
 */
import type { ProviderCapabilities } from '@keyward/core'

/** The four independent PKCS#11 implementations the tests run on. */
export const TOKEN_KINDS = ['softhsm2', 'nss', 'opencryptoki', 'tpm2'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

/** Capability lists without notes: what a token is known to support at least. */
export type CapabilityFloor = Omit<ProviderCapabilities, 'notes'>

/** A token ready for a provider: where its module is, how to initialise it, which token, which PIN. */
export interface TestToken {
  readonly kind: TokenKind
  readonly modulePath: string
  /** C_Initialize library parameters (NSS softokn's init string), if the module needs them. */
  readonly libraryParameters?: string
  readonly label: string
  readonly pin: string
  /** Environment for child processes (the keyward CLI, pkcs11-tool) that must reach the same token. */
  readonly env: NodeJS.ProcessEnv
  /**
   * What this token is known to support at least. The tests assert the derived capabilities contain it, so a
   * regression in the derivation cannot pass by declaring nothing.
   */
  readonly floor: CapabilityFloor
  /** Provider options that reach this token (spread them into `new Pkcs11KeyProvider({...})`). */
  readonly options: { modulePath: string; libraryParameters?: string; tokenLabel: string; pin: string }
  /** Stops what the token needs (daemons) and removes its files; on shared tokens, the objects of `keyIds`. */
  remove(keyIds?: Iterable<string>): Promise<void>
}

/**
 * Everything Keyward does over PKCS#11 without vendor maps: what SoftHSM 2.6 and NSS softokn 3.87 both offer
 * through the provider (AES-GCM, RSA and ECDSA signatures, RSA-OAEP decryption, BYOK with RSA unwrapping).
 */
export const FULL_PKCS11_FLOOR: CapabilityFloor = {
  keyUsages: [
    'ENCRYPT_DECRYPT',
    'ASYMMETRIC_DECRYPT_RSA_2048',
    'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
    'ASYMMETRIC_SIGN_VERIFY_ECC',
  ],
  symmetricKeySpecs: ['AES_256'],
  signAlgorithms: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  wrappingAlgorithms: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1'],
  keyRotation: true,
}
