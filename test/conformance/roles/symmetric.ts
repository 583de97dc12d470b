import { symmetricBadInput } from '../bad-input-cases.js'
import { dataKeyCases } from '../data-key-cases.js'
import type { RoleSuite } from '../harness.js'
import { symmetricCases } from '../symmetric-cases.js'

/** SymmetricCrypto: Encrypt, Decrypt, ReEncrypt, GenerateDataKey with ENCRYPT_DECRYPT keys. */
export const SYMMETRIC_SUITE: RoleSuite = {
  role: 'symmetric',
  title: 'SymmetricCrypto role (Encrypt, Decrypt, ReEncrypt, GenerateDataKey)',
  areas: { symmetric: symmetricCases, 'data-keys': dataKeyCases, 'bad-input': symmetricBadInput },
}
