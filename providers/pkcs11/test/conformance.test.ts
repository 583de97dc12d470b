import { join } from 'node:path'
import { ManualClock, MemoryKeyStore } from '@keyward/core'
import { describeKeyProvider, type ExpectedCapabilities } from '@keyward/conformance'
import { SqliteKeyStore } from '@keyward/provider-software'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { tempDir } from '@keyward/test-support'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'

/**
 * What SoftHSM 2.6 cannot do, as the provider declares it: no SM2/SM4 mechanisms (SM4 needs a vendor map, see
 * vendor-mechanisms.test.ts), no OAEP-SHA-256 unwrap for BYOK. OAEP-SHA-256 decryption is offered (raw RSA in
 * the token + host decoding).
 */
const SOFTHSM: ExpectedCapabilities = {
  keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_ECC'],
  symmetricKeySpecs: ['AES_256'],
  signAlgorithms: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  wrappingAlgorithms: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1'],
  keyRotation: true,
}

// SOFTHSM2_CONF must point at the throwaway token before the module loads: one token for this file's process.
const token = createSoftHsmToken()

describeKeyProvider('pkcs11 on SoftHSM2 (MemoryKeyStore)', async () => {
  const clock = new ManualClock()
  const provider = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin, store: new MemoryKeyStore(), clock })
  return { provider, clock, close: () => provider.close() }
}, SOFTHSM)

describeKeyProvider('pkcs11 on SoftHSM2 (SqliteKeyStore)', async () => {
  const tmp = tempDir('keyward-pkcs11-conformance-')
  const clock = new ManualClock()
  const provider = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin, store: SqliteKeyStore.open(join(tmp.dir, 'keys.db')), clock })
  return {
    provider,
    clock,
    close: async () => {
      await provider.close()
      tmp.remove()
      token.remove()
    },
  }
}, SOFTHSM)
