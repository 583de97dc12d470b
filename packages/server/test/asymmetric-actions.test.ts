import { constants, createHash, createPublicKey, publicEncrypt, verify } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, requireBinary, run, tryRun } from '@keyward/test-support'
import { b64, startTestServer, type TestServer } from './server-harness.js'

describe('asymmetric Actions through the SDK, checked with node:crypto and openssl', () => {
  let t: TestServer
  const keys: Record<string, string> = {}
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true })
    for (const usage of [
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_DECRYPT_SM2',
      'ASYMMETRIC_SIGN_VERIFY_SM2',
      'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      'ASYMMETRIC_SIGN_VERIFY_ECC',
    ]) {
      keys[usage] = (await t.admin.CreateKey({ Alias: usage.toLowerCase().replace(/_/g, '-'), KeyUsage: usage })).KeyId!
    }
  })
  afterAll(async () => {
    await t.close()
  })

  const pem = async (usage: string): Promise<string> => {
    const r = await t.admin.GetPublicKey({ KeyId: keys[usage]! })
    expect(r.KeyId).toBe(keys[usage])
    expect(
      createPublicKey({ key: Buffer.from(r.PublicKey, 'base64'), format: 'der', type: 'spki' }).export({
        format: 'pem',
        type: 'spki',
      }),
    ).toBe(r.PublicKeyPem)
    return r.PublicKeyPem
  }

  it('AsymmetricRsaDecrypt of OAEP ciphertexts made with the public key', async () => {
    const key = await pem('ASYMMETRIC_DECRYPT_RSA_2048')
    for (const [alg, hash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const ct = publicEncrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        Buffer.from('rsa secret'),
      )
      const r = await t.admin.AsymmetricRsaDecrypt({
        KeyId: keys['ASYMMETRIC_DECRYPT_RSA_2048']!,
        Ciphertext: b64(ct),
        Algorithm: alg,
      })
      expect(Buffer.from(r.Plaintext!, 'base64').toString()).toBe('rsa secret')
    }
    expect(
      await codeOf(
        t.admin.AsymmetricRsaDecrypt({
          KeyId: keys['ASYMMETRIC_DECRYPT_RSA_2048']!,
          Ciphertext: b64('x'),
          Algorithm: 'RSA_NONE',
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.AsymmetricRsaDecrypt({
          KeyId: keys['ENCRYPT_DECRYPT'] ?? keys['ASYMMETRIC_DECRYPT_SM2']!,
          Ciphertext: b64(Buffer.alloc(256, 1)),
          Algorithm: 'RSAES_OAEP_SHA_1',
        }),
      ),
    ).toMatch(/UnsupportedOperation|InvalidParameter/)
  })

  it('AsymmetricSm2Decrypt of a ciphertext made by openssl', async () => {
    requireBinary('openssl')
    const pubFile = join(t.dir, 'sm2-pub.pem')
    writeFileSync(pubFile, await pem('ASYMMETRIC_DECRYPT_SM2'))
    const ct = run('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', pubFile], 'sm2 secret')
    const r = await t.admin.AsymmetricSm2Decrypt({ KeyId: keys['ASYMMETRIC_DECRYPT_SM2']!, Ciphertext: b64(ct) })
    expect(Buffer.from(r.Plaintext!, 'base64').toString()).toBe('sm2 secret')
    expect(
      await codeOf(
        t.admin.AsymmetricSm2Decrypt({ KeyId: keys['ASYMMETRIC_DECRYPT_SM2']!, Ciphertext: b64(Buffer.alloc(120, 7)) }),
      ),
    ).toMatch(/^InvalidParameter/)
  })

  it('SignByAsymmetricKey RSA and ECC (RAW and DIGEST) verify with node:crypto; VerifyByAsymmetricKey agrees', async () => {
    const msg = Buffer.from('pay 100 CNY to account 42')
    const digest = createHash('sha256').update(msg).digest()
    const cases = [
      [
        'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
        'RSA_PSS_SHA_256',
        { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
      ],
      ['ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'RSA_PKCS1_SHA_256', { padding: constants.RSA_PKCS1_PADDING }],
      ['ASYMMETRIC_SIGN_VERIFY_ECC', 'ECC_P256_R1', {}],
    ] as const
    for (const [usage, alg, opts] of cases) {
      const key = await pem(usage)
      for (const [type, message] of [
        ['RAW', msg],
        ['DIGEST', digest],
      ] as const) {
        const s = await t.admin.SignByAsymmetricKey({
          KeyId: keys[usage]!,
          Algorithm: alg,
          Message: b64(message),
          MessageType: type,
        })
        const sig = Buffer.from(s.Signature!, 'base64')
        expect(verify('sha256', msg, { key, ...opts }, sig)).toBe(true)
        const v = await t.admin.VerifyByAsymmetricKey({
          KeyId: keys[usage]!,
          Algorithm: alg,
          Message: b64(message),
          MessageType: type,
          SignatureValue: s.Signature!,
        })
        expect(v.SignatureValid).toBe(true)
        const other = await t.admin.VerifyByAsymmetricKey({
          KeyId: keys[usage]!,
          Algorithm: alg,
          Message: b64('another message'),
          SignatureValue: s.Signature!,
        })
        expect(other.SignatureValid).toBe(false)
      }
    }
  })

  it('SM2DSA signatures verify with openssl (SM3, distid 1234567812345678)', async () => {
    requireBinary('openssl')
    const pubFile = join(t.dir, 'sm2-sign.pem')
    writeFileSync(pubFile, await pem('ASYMMETRIC_SIGN_VERIFY_SM2'))
    const msgFile = join(t.dir, 'msg.txt')
    writeFileSync(msgFile, 'GM/T 0003 message')
    const s = await t.admin.SignByAsymmetricKey({
      KeyId: keys['ASYMMETRIC_SIGN_VERIFY_SM2']!,
      Algorithm: 'SM2DSA',
      Message: b64('GM/T 0003 message'),
    })
    const sigFile = join(t.dir, 'msg.sig')
    writeFileSync(sigFile, Buffer.from(s.Signature!, 'base64'))
    const r = tryRun('openssl', [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      pubFile,
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:1234567812345678',
      '-in',
      msgFile,
      '-sigfile',
      sigFile,
    ])
    expect(r.stdout + r.stderr).toMatch(/Signature Verified Successfully/)
    expect(
      (
        await t.admin.VerifyByAsymmetricKey({
          KeyId: keys['ASYMMETRIC_SIGN_VERIFY_SM2']!,
          Algorithm: 'SM2DSA',
          Message: b64('GM/T 0003 message'),
          SignatureValue: s.Signature!,
        })
      ).SignatureValid,
    ).toBe(true)
  })

  it('sign/verify input errors', async () => {
    const id = keys['ASYMMETRIC_SIGN_VERIFY_ECC']!
    expect(
      await codeOf(
        t.admin.SignByAsymmetricKey({
          KeyId: id,
          Algorithm: 'ECC_P256_R1',
          Message: b64(Buffer.alloc(31)),
          MessageType: 'DIGEST',
        }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(
        t.admin.SignByAsymmetricKey({ KeyId: id, Algorithm: 'ECC_P256_R1', Message: b64(Buffer.alloc(4097)) }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.SignByAsymmetricKey({ KeyId: id, Algorithm: 'MD5', Message: b64('x') }))).toBe(
      'InvalidParameterValue',
    )
    expect(
      await codeOf(
        t.admin.SignByAsymmetricKey({ KeyId: id, Algorithm: 'ECC_P256_R1', Message: b64('x'), MessageType: 'HASH' }),
      ),
    ).toBe('InvalidParameterValue')
    expect(await codeOf(t.admin.SignByAsymmetricKey({ KeyId: id, Algorithm: 'SM2DSA', Message: b64('x') }))).toMatch(
      /^UnsupportedOperation|^InvalidParameter/,
    )
    expect(await codeOf(t.admin.request('SignByAsymmetricKey', { KeyId: id, Algorithm: 'ECC_P256_R1' }))).toBe(
      'MissingParameter',
    )
  })
})
