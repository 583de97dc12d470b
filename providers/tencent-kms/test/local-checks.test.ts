import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, type KeywardErrorCode } from '@keyward/core'
import type { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { ok, startStubKms, stubProvider, type StubKms } from './stub-kms-server.js'

// Bad input is rejected locally with the same code Tencent would give, before any round trip: the stub
// must see no request at all.
let stub: StubKms
let kms: TencentKmsKeyProvider
beforeAll(async () => {
  stub = await startStubKms(() => ok())
  kms = stubProvider(stub)
})
afterAll(() => stub.close())

const bytes = (n: number): Buffer => Buffer.alloc(n, 1)

const CASES: Array<[string, () => Promise<unknown>, KeywardErrorCode]> = [
  ['plaintext over 4096 bytes', () => kms.encrypt({ keyId: 'k1', plaintext: bytes(4097) }), 'InvalidParameterValue'],
  ['empty plaintext', () => kms.encrypt({ keyId: 'k1', plaintext: bytes(0) }), 'InvalidParameterValue'],
  [
    'plaintext that is a string, not bytes',
    () => kms.encrypt({ keyId: 'k1', plaintext: 'x' as unknown as Uint8Array }),
    'InvalidParameter',
  ],
  [
    'a KeyId with a slash',
    () => kms.encrypt({ keyId: 'k/1', plaintext: bytes(1) }),
    'InvalidParameterValue.InvalidKeyId',
  ],
  [
    'a context over 1024 characters',
    () => kms.encrypt({ keyId: 'k1', plaintext: bytes(1), encryptionContext: { a: 'x'.repeat(1100) } }),
    'InvalidParameterValue',
  ],
  [
    'a context with a non-string value',
    () => kms.decrypt({ ciphertextBlob: 'b', encryptionContext: { a: 1 as unknown as string } }),
    'InvalidParameterValue',
  ],
  [
    'an empty CiphertextBlob (a decryption failure)',
    () => kms.decrypt({ ciphertextBlob: '' }),
    'InvalidParameterValue.InvalidCiphertext',
  ],
  ['a null request', () => kms.encrypt(null as never), 'MissingParameter'],
  ['a numeric CiphertextBlob', () => kms.decrypt({ ciphertextBlob: 42 as never }), 'MissingParameter'],
  [
    'RAW message over 4096 bytes',
    () => kms.signByAsymmetricKey({ keyId: 'k1', algorithm: 'SM2DSA', message: bytes(4097) }),
    'InvalidParameterValue',
  ],
  [
    'DIGEST of 31 bytes',
    () => kms.signByAsymmetricKey({ keyId: 'k1', algorithm: 'ECC_P256_R1', message: bytes(31), messageType: 'DIGEST' }),
    'InvalidParameterValue',
  ],
  [
    'DIGEST of 33 bytes (verify)',
    () =>
      kms.verifyByAsymmetricKey({
        keyId: 'k1',
        algorithm: 'RSA_PSS_SHA_256',
        message: bytes(33),
        messageType: 'DIGEST',
        signature: bytes(256),
      }),
    'InvalidParameterValue',
  ],
  [
    'an unknown sign algorithm',
    () => kms.signByAsymmetricKey({ keyId: 'k1', algorithm: 'MD5' as 'SM2DSA', message: bytes(1) }),
    'InvalidParameterValue',
  ],
  ['pending window of 6 days', () => kms.scheduleKeyDeletion('k1', 6), 'InvalidParameter.InvalidPendingWindowInDays'],
  ['pending window of 31 days', () => kms.scheduleKeyDeletion('k1', 31), 'InvalidParameter.InvalidPendingWindowInDays'],
  ['rotate days of 400', () => kms.enableKeyRotation('k1', 400), 'InvalidParameterValue'],
  ['an alias starting with KMS-', () => kms.createKey({ alias: 'KMS-mine' }), 'InvalidParameterValue.InvalidAlias'],
  [
    'a chosen KeyId for a Type 1 key',
    () => kms.createKey({ alias: 'a', keyId: '00000000-0000-4000-8000-000000000001' }),
    'InvalidParameterValue',
  ],
  [
    'a chosen KeyId that is not UUID-shaped (a readable name to squat)',
    () => kms.createKey({ alias: 'a', type: 2, keyId: 'orders' }),
    'InvalidParameterValue.InvalidKeyId',
  ],
  [
    'a chosen KeyId with a slash',
    () => kms.createKey({ alias: 'a', type: 2, keyId: 'my/key' }),
    'InvalidParameterValue.InvalidKeyId',
  ],
  [
    'an EXTERNAL asymmetric key',
    () => kms.createKey({ alias: 'a', type: 2, keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }),
    'UnsupportedOperation',
  ],
  ['1025 random bytes', () => kms.generateRandom(1025), 'InvalidParameterValue'],
  ['a data key of 0 bytes', () => kms.generateDataKey({ keyId: 'k1', numberOfBytes: 0 }), 'InvalidParameterValue'],
  [
    'an RSA decrypt with SM2',
    () => kms.asymmetricRsaDecrypt({ keyId: 'k1', algorithm: 'SM2' as 'RSAES_OAEP_SHA_1', ciphertext: bytes(256) }),
    'InvalidParameterValue',
  ],
  [
    'an SM2 ciphertext over 256 bytes',
    () => kms.asymmetricSm2Decrypt({ keyId: 'k1', ciphertext: bytes(257) }),
    'InvalidParameterValue',
  ],
  [
    'an SM2 ciphertext in neither format',
    () => kms.asymmetricSm2Decrypt({ keyId: 'k1', ciphertext: bytes(120) }),
    'InvalidParameterValue.InvalidCiphertext',
  ],
  ['a list limit of 1001', () => kms.listKeys({ limit: 1001 }), 'InvalidParameterValue'],
  [
    'an unknown wrapping algorithm',
    () => kms.getParametersForImport({ keyId: 'k1', wrappingAlgorithm: 'AES_KW' as 'RSAES_OAEP_SHA_1' }),
    'InvalidParameterValue',
  ],
]

describe('limits are checked locally, without a round trip', () => {
  for (const [name, call, code] of CASES) {
    it(`${name} → ${code}`, async () => {
      const before = stub.requests.length
      const e = await call().then(
        () => expect.unreachable('should be rejected'),
        (x: unknown) => x,
      )
      expect(e).toBeInstanceOf(KeywardError)
      expect((e as KeywardError).code).toBe(code)
      expect(stub.requests.length).toBe(before)
    })
  }

  it('a closed provider → FailedOperation.ProviderUnavailable', async () => {
    const closed = stubProvider(stub)
    await closed.close()
    const e = (await closed.generateRandom(8).catch((x: unknown) => x)) as KeywardError
    expect(e.code).toBe('FailedOperation.ProviderUnavailable')
  })
})
