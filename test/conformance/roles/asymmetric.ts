import { asymmetricCases } from '../asymmetric-cases.js'
import { asymmetricBadInput } from '../bad-input-cases.js'
import type { RoleSuite } from '../harness.js'
import { signatureCases } from '../signature-cases.js'

/** AsymmetricCrypto: GetPublicKey, AsymmetricRsaDecrypt / AsymmetricSm2Decrypt, Sign / Verify. */
export const ASYMMETRIC_SUITE: RoleSuite = {
  role: 'asymmetric',
  title: 'AsymmetricCrypto role (GetPublicKey, asymmetric decryption, signatures)',
  areas: { asymmetric: asymmetricCases, signatures: signatureCases, 'bad-input': asymmetricBadInput },
}
