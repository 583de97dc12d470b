import { constants, createHash, createPrivateKey, createPublicKey, privateDecrypt, verify } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { codeOf, hexField, loadWycheproof, requireBinary, run, tempDir } from '@keyward/test-support'
import { derToPem, mgf1, pemToDer, signatureDerToRaw, signatureRawToDer, type Mgf1Hash } from '@keyward/gm'

// Known answers for the codecs every provider shares (PEM, r‖s ↔ DER, MGF1), from vectors we did not write.

describe('mgf1', () => {
  it('gives the published MGF1 values (SHA-1 and SHA-256, lengths across a block boundary)', () => {
    expect(mgf1(Buffer.from('foo'), 3, 'sha1').toString('hex')).toBe('1ac907')
    expect(mgf1(Buffer.from('foo'), 5, 'sha1').toString('hex')).toBe('1ac9075cd4')
    expect(mgf1(Buffer.from('bar'), 5, 'sha1').toString('hex')).toBe('bc0c655e01')
    expect(mgf1(Buffer.from('bar'), 50, 'sha1').toString('hex')).toBe(
      'bc0c655e016bc2931d85a2e675181adcef7f581f76df2739da74faac41627be2f7f415c89e983fd0ce80ced9878641cb4876',
    )
    expect(mgf1(Buffer.from('bar'), 50).toString('hex')).toBe(
      '382576a7841021cc28fc4c0948753fb8312090cea942ea4c4e735d10dc724b155f9f6069f289d61daca0cb814502ef04eae1',
    )
    expect(mgf1(Buffer.from('bar'), 0)).toHaveLength(0)
  })

  // OpenSSL's raw RSA recovers EM; unmasking it with our MGF1 must give Wycheproof's message and label hash.
  for (const [file, hash, hLen] of [
    ['rsa_oaep_2048_sha1_mgf1sha1_test.json', 'sha1', 20],
    ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 'sha256', 32],
  ] as const) {
    it(`unmasks every valid Wycheproof ${file} ciphertext`, () => {
      let checked = 0
      for (const group of loadWycheproof(file).testGroups) {
        const key = createPrivateKey({ key: group.privateKeyPem as string, format: 'pem' })
        for (const t of group.tests.filter((x) => x.result === 'valid')) {
          const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, hexField(t, 'ct'))
          const db = oaepUnmask(em, hash, hLen)
          expect(
            db.subarray(0, hLen).equals(createHash(hash).update(hexField(t, 'label')).digest()),
            `tcId ${t.tcId}`,
          ).toBe(true)
          const one = db.indexOf(1, hLen)
          expect(
            db.subarray(hLen, one).every((b) => b === 0),
            `tcId ${t.tcId}`,
          ).toBe(true)
          expect(db.subarray(one + 1).equals(hexField(t, 'msg')), `tcId ${t.tcId}`).toBe(true)
          checked++
        }
      }
      expect(checked).toBeGreaterThan(10)
    })
  }

  it('refuses what is not bytes, a negative or absurd length, an unknown hash', async () => {
    expect(await codeOf(() => mgf1('seed' as unknown as Uint8Array, 4))).toBe('InvalidParameter')
    expect(await codeOf(() => mgf1(Buffer.of(1), -1))).toBe('InvalidParameterValue')
    expect(await codeOf(() => mgf1(Buffer.of(1), 2 ** 40))).toBe('InvalidParameterValue')
    expect(await codeOf(() => mgf1(Buffer.of(1), 4, 'md5' as Mgf1Hash))).toBe('InvalidParameterValue')
  })
})

function oaepUnmask(em: Buffer, hash: Mgf1Hash, hLen: number): Buffer {
  const maskedSeed = em.subarray(1, 1 + hLen)
  const maskedDb = em.subarray(1 + hLen)
  const seed = Buffer.from(mgf1(maskedDb, hLen, hash).map((b, i) => b ^ maskedSeed[i]!))
  return Buffer.from(mgf1(seed, maskedDb.length, hash).map((b, i) => b ^ maskedDb[i]!))
}

describe('signature codec (r‖s ↔ DER) against Wycheproof ECDSA P-256 and OpenSSL', () => {
  it('every valid P1363 signature, turned into DER, verifies with OpenSSL as DER', () => {
    let checked = 0
    for (const group of loadWycheproof('ecdsa_secp256r1_sha256_p1363_test.json').testGroups) {
      const key = createPublicKey({ key: hexField(group, 'publicKeyDer'), format: 'der', type: 'spki' })
      for (const t of group.tests.filter((x) => x.result === 'valid')) {
        const der = signatureRawToDer(hexField(t, 'sig'))
        expect(verify('sha256', hexField(t, 'msg'), { key, dsaEncoding: 'der' }, der), `tcId ${t.tcId}`).toBe(true)
        expect(signatureDerToRaw(der, 32).equals(hexField(t, 'sig')), `tcId ${t.tcId}`).toBe(true)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(10)
  })

  it('every valid DER signature, turned into r‖s, verifies with OpenSSL as P1363 and encodes back to the same bytes', () => {
    let checked = 0
    for (const group of loadWycheproof('ecdsa_secp256r1_sha256_test.json').testGroups) {
      const key = createPublicKey({ key: hexField(group, 'publicKeyDer'), format: 'der', type: 'spki' })
      for (const t of group.tests.filter((x) => x.result === 'valid')) {
        const raw = signatureDerToRaw(hexField(t, 'sig'), 32)
        expect(verify('sha256', hexField(t, 'msg'), { key, dsaEncoding: 'ieee-p1363' }, raw), `tcId ${t.tcId}`).toBe(
          true,
        )
        expect(signatureRawToDer(raw).equals(hexField(t, 'sig')), `tcId ${t.tcId}`).toBe(true)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(10)
  })

  it('Wycheproof DER signatures flagged as BER or trailing garbage are refused, not re-read', async () => {
    const codes = new Set<string>()
    for (const group of loadWycheproof('ecdsa_secp256r1_sha256_test.json').testGroups) {
      for (const t of group.tests.filter(
        (x) => x.result === 'invalid' && x.flags.some((f) => /BerEncoded|InvalidEncoding/.test(f)),
      )) {
        const code = await codeOf(() => signatureDerToRaw(hexField(t, 'sig'), 32))
        // Some "invalid encoding" cases are well-formed DER of out-of-range values; those must at least round-trip.
        if (code === 'no error')
          expect(
            signatureRawToDer(signatureDerToRaw(hexField(t, 'sig'), 32)).equals(hexField(t, 'sig')),
            `tcId ${t.tcId}`,
          ).toBe(true)
        codes.add(code)
      }
    }
    expect(codes.has('InvalidParameterValue')).toBe(true)
  })

  it('long halves (P-521 size) use the long DER length form', () => {
    const raw = Buffer.alloc(132, 0xff)
    const der = signatureRawToDer(raw)
    expect(der.subarray(0, 6).toString('hex')).toBe('30818a024300') // 138-byte body; 0x00 before each high-bit half
    expect(signatureDerToRaw(der, 66).equals(raw)).toBe(true)
  })
})

describe('PEM writer', () => {
  const tmp = tempDir('kw-pem-')
  afterAll(() => tmp.remove())

  it('writes byte for byte what openssl writes, and reads it back', () => {
    const openssl = requireBinary('openssl')
    const priv = join(tmp.dir, 'k.pem')
    for (const alg of [
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ]) {
      run(openssl, ['genpkey', ...alg, '-out', priv])
      const pem = run(openssl, ['pkey', '-in', priv, '-pubout']).toString()
      const der = run(openssl, ['pkey', '-in', priv, '-pubout', '-outform', 'DER'])
      expect(derToPem(der, 'PUBLIC KEY')).toBe(pem)
      expect(pemToDer(pem, 'PUBLIC KEY').equals(der)).toBe(true)
    }
  })
})
