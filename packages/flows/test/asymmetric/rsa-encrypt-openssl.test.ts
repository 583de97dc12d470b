import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptWithPublicKey, maxAsymmetricPlaintextBytes, parsePublicKey } from '@keyward/flows/asymmetric'
import { codeOf, requireBinary, run, tempDir } from '@keyward/test-support'

describe('asymmetric encryption with a downloaded RSA public key, decrypted by openssl', () => {
  const openssl = requireBinary('openssl')
  const tmp = tempDir('kw-asym-')
  const priv = join(tmp.dir, 'rsa.pem')
  let pem = ''
  let derBase64 = ''
  beforeAll(() => {
    run(openssl, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', priv])
    pem = run(openssl, ['pkey', '-in', priv, '-pubout']).toString()
    derBase64 = run(openssl, ['pkey', '-in', priv, '-pubout', '-outform', 'DER']).toString('base64')
  })
  afterAll(() => tmp.remove())

  for (const [algorithm, md] of [
    ['RSAES_OAEP_SHA_1', 'sha1'],
    ['RSAES_OAEP_SHA_256', 'sha256'],
  ] as const) {
    it(`${algorithm}: PEM and DER-base64 keys both encrypt what openssl decrypts, up to the OAEP limit`, () => {
      const max = maxAsymmetricPlaintextBytes(algorithm)
      expect(max).toBe(algorithm === 'RSAES_OAEP_SHA_1' ? 214 : 190)
      for (const [key, plaintext] of [
        [pem, Buffer.from('card 4111 1111 1111 1111')],
        [derBase64, Buffer.alloc(max, 7)],
      ] as const) {
        const ct = encryptWithPublicKey(key, algorithm, plaintext)
        expect(ct.length).toBe(256)
        const file = join(tmp.dir, `${algorithm}.bin`)
        writeFileSync(file, ct)
        const out = run(openssl, [
          'pkeyutl',
          '-decrypt',
          '-inkey',
          priv,
          '-in',
          file,
          '-pkeyopt',
          'rsa_padding_mode:oaep',
          '-pkeyopt',
          `rsa_oaep_md:${md}`,
          '-pkeyopt',
          `rsa_mgf1_md:${md}`,
        ])
        expect(out).toEqual(plaintext)
      }
    })
    it(`${algorithm}: a plaintext one byte over the limit is refused, not truncated`, async () => {
      const tooLong = Buffer.alloc(maxAsymmetricPlaintextBytes(algorithm) + 1)
      expect(await codeOf(() => encryptWithPublicKey(pem, algorithm, tooLong))).toBe('InvalidParameterValue')
      expect(await codeOf(() => encryptWithPublicKey(pem, algorithm, Buffer.alloc(0)))).toBe('InvalidParameterValue')
    })
  }

  it('accepts a GetPublicKey result object and reports the key kind', () => {
    expect(parsePublicKey({ publicKey: derBase64 }).kind).toBe('RSA')
    expect(parsePublicKey(pem).modulusBits).toBe(2048)
  })

  it('refuses an SM2 algorithm on an RSA key, unknown algorithms and garbage keys', async () => {
    expect(await codeOf(() => encryptWithPublicKey(pem, 'SM2', Buffer.from('x')))).toBe(
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
    expect(await codeOf(() => encryptWithPublicKey(pem, 'RSAES_PKCS1' as never, Buffer.from('x')))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => parsePublicKey('bm90IGEga2V5'))).toBe('InvalidParameterValue')
    expect(await codeOf(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\n@@@\n-----END PUBLIC KEY-----'))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => parsePublicKey(''))).toBe('MissingParameter')
  })

  it('refuses RSA keys shorter than 2048 bits', async () => {
    const small = join(tmp.dir, 'small.pem')
    run(openssl, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', small])
    const smallPub = run(openssl, ['pkey', '-in', small, '-pubout']).toString()
    expect(await codeOf(() => parsePublicKey(smallPub))).toBe('InvalidParameterValue')
  })
})
