import { constants, createPrivateKey, privateDecrypt, publicEncrypt, randomBytes, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isKeywardError, DECRYPTION_FAILED_MESSAGE } from '@keyward/core'
import { oaepSha256Decode } from '../src/oaep-decode.js'
import { hexField, loadWycheproof } from '@keyward/test-support'

/**
 * The host half of RSAES_OAEP_SHA_256 (the token does raw RSA): checked against Wycheproof's OAEP-SHA-256 vectors,
 * with the raw RSA step done by node:crypto (RSA_NO_PADDING) using the vector's private key.
 */
describe('oaepSha256Decode (Wycheproof rsa_oaep_2048_sha256_mgf1sha256)', () => {
  const file = loadWycheproof('rsa_oaep_2048_sha256_mgf1sha256_test.json')
  for (const group of file.testGroups) {
    const key = createPrivateKey({ key: group.privateKeyPem as string, format: 'pem' })
    for (const t of group.tests) {
      const label = hexField(t, 'label')
      const expectValid = t.result === 'valid' && label.length === 0
      it(`tcId ${t.tcId} (${t.result}${label.length ? ', non-empty label: Tencent uses none, so refused' : ''}) ${t.comment}`, () => {
        let raw: Buffer | undefined
        try {
          raw = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, hexField(t, 'ct'))
        } catch {
          // The RSA step itself refuses it (wrong length, ≥ n): the token would refuse it too.
          expect(expectValid).toBe(false)
          return
        }
        if (expectValid) {
          expect(oaepSha256Decode(raw, 256).toString('hex')).toBe(hexField(t, 'msg').toString('hex'))
        } else {
          let error: unknown
          try {
            oaepSha256Decode(raw, 256)
          } catch (e) {
            error = e
          }
          expect(isKeywardError(error, 'InvalidParameterValue.InvalidCiphertext')).toBe(true)
          expect((error as Error).message).toBe(DECRYPTION_FAILED_MESSAGE)
        }
      })
    }
  }

  it('round-trips node:crypto OAEP-SHA-256 for every plaintext length 0-190, with leading zero bytes in the RSA output', () => {
    const { privateKey } = {
      privateKey: createPrivateKey(
        loadWycheproof('rsa_oaep_2048_sha256_mgf1sha256_test.json').testGroups[0]!.privateKeyPem as string,
      ),
    }
    const pub = createPublicKey(privateKey)
    for (let n = 0; n <= 190; n += 1) {
      const m = randomBytes(n)
      const raw = privateDecrypt(
        { key: privateKey, padding: constants.RSA_NO_PADDING },
        publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, m),
      )
      // A token may strip leading zeros of the raw output: the decoder left-pads.
      const stripped = raw.subarray(raw.findIndex((b) => b !== 0))
      expect(oaepSha256Decode(stripped, 256).equals(m)).toBe(true)
    }
  })

  it('refuses an encoded message longer than the modulus and an all-zero one', () => {
    for (const em of [Buffer.alloc(257, 1), Buffer.alloc(256)]) {
      expect(() => oaepSha256Decode(em, 256)).toThrowError(DECRYPTION_FAILED_MESSAGE)
    }
  })
})
