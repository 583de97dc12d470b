/** SM2 keys, signatures and ciphertexts checked by the openssl CLI (OpenSSL 3, SM2 with distid). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { requireBinary, run, tempDir, tryRun } from '@keyward/test-support'
import {
  derToPem,
  pemToDer,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToSpki,
  sm2Sign,
  sm2Verify,
} from '@keyward/gm'

const openssl = requireBinary('openssl')
const tmp = tempDir('keyward-gm-openssl-')
afterAll(() => tmp.remove())
const file = (name: string, data?: Uint8Array | string): string => {
  const p = join(tmp.dir, name)
  if (data !== undefined) writeFileSync(p, data)
  return p
}
const DISTID = 'distid:1234567812345678'

/** Exports our key pair as PEM files openssl reads. */
function exportKeys(tag: string): { privateKey: Buffer; publicKey: Buffer; keyPem: string; pubPem: string } {
  const { privateKey, publicKey } = sm2GenerateKeyPair()
  const keyPem = file(`${tag}.key.pem`, derToPem(sm2PrivateKeyToPkcs8(privateKey, publicKey), 'PRIVATE KEY'))
  const pubPem = file(`${tag}.pub.pem`, derToPem(sm2PublicKeyToSpki(publicKey), 'PUBLIC KEY'))
  return { privateKey, publicKey, keyPem, pubPem }
}

describe('SM2 keys with openssl', () => {
  it('openssl reads our PKCS#8 and derives exactly our SPKI', () => {
    const k = exportKeys('keys')
    const spki = run(openssl, ['pkey', '-in', k.keyPem, '-pubout', '-outform', 'DER'])
    expect(spki.equals(sm2PublicKeyToSpki(k.publicKey))).toBe(true)
    expect(run(openssl, ['pkey', '-pubin', '-in', k.pubPem, '-text', '-noout']).toString()).toContain('SM2')
  })
  it('we read keys openssl generates (PKCS#8 and SPKI) and agree on the public key', () => {
    const keyPem = file('gen.pem')
    run(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', keyPem])
    const pair = sm2PrivateKeyFromPkcs8(pemToDer(readFileSync(keyPem, 'utf8'), 'PRIVATE KEY'))
    const spki = run(openssl, ['pkey', '-in', keyPem, '-pubout', '-outform', 'DER'])
    expect(sm2PublicKeyFromSpki(spki).equals(pair.publicKey)).toBe(true)
  })
})

describe('SM2DSA with openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678', () => {
  const k = exportKeys('sig')
  it('openssl verifies our signatures and we verify openssl signatures (60 messages each way)', () => {
    for (let i = 0; i < 60; i++) {
      const msg = Buffer.from(`message ${i} `.repeat(i))
      const msgFile = file(`m${i}.bin`, msg)
      const ours = file(`ours${i}.sig`, sm2Sign(k.privateKey, msg, { publicKey: k.publicKey }))
      const v = tryRun(openssl, [
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pubin',
        '-inkey',
        k.pubPem,
        '-in',
        msgFile,
        '-sigfile',
        ours,
        '-pkeyopt',
        DISTID,
      ])
      expect(v.stdout + v.stderr, `ours #${i}`).toContain('Signature Verified Successfully')
      const theirs = run(openssl, [
        'pkeyutl',
        '-sign',
        '-rawin',
        '-digest',
        'sm3',
        '-inkey',
        k.keyPem,
        '-in',
        msgFile,
        '-pkeyopt',
        DISTID,
      ])
      expect(sm2Verify(k.publicKey, msg, theirs), `theirs #${i}`).toBe(true)
      expect(sm2Verify(k.publicKey, Buffer.concat([msg, Buffer.of(1)]), theirs)).toBe(false)
    }
  })
  it('openssl rejects our signature for another message', () => {
    const sig = file('other.sig', sm2Sign(k.privateKey, Buffer.from('one')))
    const v = tryRun(openssl, [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-digest',
      'sm3',
      '-pubin',
      '-inkey',
      k.pubPem,
      '-in',
      file('two.bin', 'two'),
      '-sigfile',
      sig,
      '-pkeyopt',
      DISTID,
    ])
    expect(v.status).not.toBe(0)
  })
})

describe('SM2 encryption with openssl pkeyutl (ASN.1 C1C3C2)', () => {
  const k = exportKeys('enc')
  it('openssl decrypts ours and we decrypt openssl ciphertexts, 1 to 1000 bytes', () => {
    for (const len of [1, 31, 32, 33, 100, 1000]) {
      const msg = Buffer.alloc(len, len)
      const ours = file(`c${len}.bin`, sm2Encrypt(k.publicKey, msg))
      expect(run(openssl, ['pkeyutl', '-decrypt', '-inkey', k.keyPem, '-in', ours]).equals(msg), `ours ${len}`).toBe(
        true,
      )
      const theirs = run(openssl, [
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        k.pubPem,
        '-in',
        file(`p${len}.bin`, msg),
      ])
      expect(sm2Decrypt(k.privateKey, theirs).equals(msg), `theirs ${len}`).toBe(true)
    }
  })
})
