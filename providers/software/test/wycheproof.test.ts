import { createPrivateKey, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hexField, loadWycheproof, type WycheproofTest } from '@keyward/test-support'
import { gcmDecrypt, gcmEncrypt, type GcmCipher } from '../src/crypto/gcm.js'
import { rsaOaepDecrypt, rsaUnwrap } from '../src/crypto/rsa.js'
import { sha256, verifyMessage, type NodeSignAlgorithm } from '../src/crypto/signatures.js'

// Known answers through the very functions the provider calls (src/crypto/*): valid vectors accepted,
// invalid ones rejected; "acceptable" ones are left to the implementation.

function cases(file: string): { group: Record<string, unknown>; t: WycheproofTest }[] {
  return loadWycheproof(file).testGroups.flatMap((group) =>
    group.tests.map((t) => ({ group: group as Record<string, unknown>, t })),
  )
}

describe.each([
  ['aes_gcm_test.json', 'AES-256-GCM', 256],
  ['sm4_gcm_test.json', 'SM4-GCM', 128],
] as const)('Wycheproof %s', (file, cipher: GcmCipher, keyBits) => {
  const all = cases(file)
  const used = all.filter(
    ({ group }) => group['keySize'] === keyBits && group['ivSize'] === 96 && group['tagSize'] === 128,
  )

  it(`valid vectors encrypt to the expected ciphertext and tag, and decrypt (${cipher}, 96-bit nonce, 128-bit tag)`, () => {
    const valid = used.filter(({ t }) => t.result === 'valid')
    expect(valid.length).toBeGreaterThan(10)
    for (const { t } of valid) {
      const [key, iv, aad, msg] = [hexField(t, 'key'), hexField(t, 'iv'), hexField(t, 'aad'), hexField(t, 'msg')]
      const out = gcmEncrypt(cipher, key, msg, aad, iv)
      expect(out.ciphertext.toString('hex'), `tcId ${t.tcId}`).toBe(t['ct'])
      expect(out.tag.toString('hex'), `tcId ${t.tcId}`).toBe(t['tag'])
      expect(
        gcmDecrypt(cipher, key, iv, hexField(t, 'ct'), aad, hexField(t, 'tag')).equals(msg),
        `tcId ${t.tcId}`,
      ).toBe(true)
    }
  })

  it('invalid vectors are rejected as decryption failures', () => {
    const invalid = used.filter(({ t }) => t.result === 'invalid')
    expect(invalid.length).toBeGreaterThan(0)
    for (const { t } of invalid) {
      expect(
        () =>
          gcmDecrypt(
            cipher,
            hexField(t, 'key'),
            hexField(t, 'iv'),
            hexField(t, 'ct'),
            hexField(t, 'aad'),
            hexField(t, 'tag'),
          ),
        `tcId ${t.tcId}`,
      ).toThrow(/Decryption failed/)
    }
  })

  it('parameters the provider never uses (other key, nonce or tag sizes) are refused, never half-accepted', () => {
    const others = all.filter(
      ({ group }) => !(group['keySize'] === keyBits && group['ivSize'] === 96 && group['tagSize'] === 128),
    )
    for (const { t } of others) {
      expect(
        () =>
          gcmDecrypt(
            cipher,
            hexField(t, 'key'),
            hexField(t, 'iv'),
            hexField(t, 'ct'),
            hexField(t, 'aad'),
            hexField(t, 'tag'),
          ),
        `tcId ${t.tcId}`,
      ).toThrow()
    }
  })
})

describe.each([
  ['rsa_oaep_2048_sha1_mgf1sha1_test.json', 'RSAES_OAEP_SHA_1'],
  ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 'RSAES_OAEP_SHA_256'],
] as const)('Wycheproof %s', (file, algorithm) => {
  it('valid ciphertexts decrypt to the message; invalid ones fail', () => {
    let valid = 0
    for (const { group, t } of cases(file)) {
      const key = createPrivateKey({ key: hexField(group, 'privateKeyPkcs8'), format: 'der', type: 'pkcs8' })
      const label = hexField(t, 'label')
      const run = (): Buffer => rsaOaepDecrypt(key, algorithm, hexField(t, 'ct'), label.length ? label : undefined)
      if (t.result === 'valid') {
        valid++
        expect(run().toString('hex'), `tcId ${t.tcId}`).toBe(t['msg'])
      } else if (t.result === 'invalid') {
        expect(run, `tcId ${t.tcId}`).toThrow(/Decryption failed/)
      }
    }
    expect(valid).toBeGreaterThan(10)
  })
})

describe('Wycheproof rsa_pkcs1_2048_test.json through the RSAES_PKCS1_V1_5 import unwrap', () => {
  it('valid ciphertexts unwrap to the message of the expected length; invalid ones are DecryptMaterialError', () => {
    let valid = 0
    for (const { group, t } of cases('rsa_pkcs1_2048_test.json')) {
      const key = createPrivateKey({ key: hexField(group, 'privateKeyPkcs8'), format: 'der', type: 'pkcs8' })
      const msg = hexField(t, 'msg')
      if (t.result === 'valid' && msg.length > 0) {
        valid++
        expect(rsaUnwrap(key, 'RSAES_PKCS1_V1_5', hexField(t, 'ct'), msg.length).equals(msg), `tcId ${t.tcId}`).toBe(
          true,
        )
        expect(
          () => rsaUnwrap(key, 'RSAES_PKCS1_V1_5', hexField(t, 'ct'), msg.length + 1),
          `tcId ${t.tcId} wrong length`,
        ).toThrow(/does not unwrap/)
      } else if (t.result === 'invalid') {
        for (const len of [16, 32])
          expect(() => rsaUnwrap(key, 'RSAES_PKCS1_V1_5', hexField(t, 'ct'), len), `tcId ${t.tcId}`).toThrow(
            /does not unwrap/,
          )
      }
    }
    expect(valid).toBeGreaterThan(5)
  })
})

const SIGNATURE_FILES: [string, NodeSignAlgorithm, 'der' | 'p1363'][] = [
  ['rsa_pss_2048_sha256_mgf1_32_test.json', 'RSA_PSS_SHA_256', 'der'],
  ['rsa_signature_2048_sha256_test.json', 'RSA_PKCS1_SHA_256', 'der'],
  ['ecdsa_secp256r1_sha256_test.json', 'ECC_P256_R1', 'der'],
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'ECC_P256_R1', 'p1363'],
]

describe.each(SIGNATURE_FILES)('Wycheproof %s', (file, algorithm, encoding) => {
  it('valid signatures verify and invalid ones do not, both as RAW (Node OpenSSL) and as DIGEST (the DIGEST path)', () => {
    let valid = 0
    let invalid = 0
    for (const { group, t } of cases(file)) {
      const publicKey = createPublicKey({ key: hexField(group, 'publicKeyDer'), format: 'der', type: 'spki' })
      const msg = hexField(t, 'msg')
      const sig = hexField(t, 'sig')
      if (t.result === 'acceptable') continue
      const expected = t.result === 'valid'
      if (expected) valid++
      else invalid++
      if (msg.length > 0)
        expect(verifyMessage(algorithm, publicKey, msg, 'RAW', sig, encoding), `tcId ${t.tcId} RAW`).toBe(expected)
      expect(verifyMessage(algorithm, publicKey, sha256(msg), 'DIGEST', sig, encoding), `tcId ${t.tcId} DIGEST`).toBe(
        expected,
      )
    }
    expect(valid).toBeGreaterThan(0)
    expect(invalid).toBeGreaterThan(0)
  })
})
