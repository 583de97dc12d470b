import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ManualClock, MemoryKeyStore, type KeyStore } from '@keyward/core'
import { describeKeyProvider, type ExpectedCapabilities } from '@keyward/conformance'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import { tempDir } from '@keyward/test-support'

/** The software provider implements the whole contract. */
const EVERYTHING: ExpectedCapabilities = {
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

function open(store: KeyStore, clock?: ManualClock): SoftwareKeyProvider {
  const provider = new SoftwareKeyProvider({ store, rootKey: RootKey.fromBytes(randomBytes(32)), ...(clock ? { clock } : {}) })
  return provider
}

describeKeyProvider('software (MemoryKeyStore)', async () => {
  const clock = new ManualClock()
  const provider = open(new MemoryKeyStore(), clock)
  return { provider, clock, close: () => provider.close() }
}, EVERYTHING)

describeKeyProvider('software (SqliteKeyStore)', async () => {
  const tmp = tempDir('keyward-conformance-')
  const clock = new ManualClock()
  const provider = open(SqliteKeyStore.open(join(tmp.dir, 'keys.db')), clock)
  return {
    provider,
    clock,
    close: async () => {
      await provider.close()
      tmp.remove()
    },
  }
}, EVERYTHING)

// The system clock: the same suite without the time-travel cases (its title says they are not registered).
describeKeyProvider('software (system clock)', async () => {
  const provider = open(new MemoryKeyStore())
  return { provider, close: () => provider.close() }
}, EVERYTHING)
