/**
 * The seed walkthroughs with `keyward kms` in place of `tccli kms`, on the embedded KMS, checked by openssl as the
 * Tencent KMS documentation does: asymmetric decryption, signatures (RAW and DIGEST), sensitive-data encryption.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sm2MessageDigest, sm2PublicKeyFromSpki } from '@keyward/gm'
import { requireBinary, run, tempDir } from '@keyward/test-support'
import { keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

// Concurrent: each step is its own child processes over one shared home (SQLite WAL + busy timeout), as a CLI next
// to a running `keyward serve` would be.
describe.concurrent('keyward kms: seed walkthroughs on the embedded KMS', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let openssl: string
  const file = (name: string): string => join(home, name)

  beforeAll(() => {
    requireBuiltCli()
    openssl = requireBinary('openssl')
    ;({ dir: home, remove } = tempDir('keyward-cli-kms-'))
  })
  afterAll(() => remove())

  async function createKey(alias: string, keyUsage: string): Promise<string> {
    const r = await kms(home, 'CreateKey', { Alias: alias, KeyUsage: keyUsage })
    expect(r['KeyUsage']).toBe(keyUsage)
    expect(r['KeyState']).toBe('Enabled')
    return r['KeyId'] as string
  }

  async function savePublicKey(keyId: string, name: string): Promise<string> {
    const r = await kms(home, 'GetPublicKey', { KeyId: keyId })
    writeFileSync(file(name), r['PublicKeyPem'] as string)
    return file(name)
  }

  it('(1) RSA-2048 decryption: openssl encrypts with the public key (OAEP SHA-256), AsymmetricRsaDecrypt returns the text', async () => {
    const keyId = await createKey('walk-rsa-decrypt', 'ASYMMETRIC_DECRYPT_RSA_2048')
    const pem = await savePublicKey(keyId, 'public_key.pem')
    writeFileSync(file('test_rsa.txt'), 'test encrypt by rsa 2048')
    run(openssl, [
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-inkey',
      pem,
      '-in',
      file('test_rsa.txt'),
      '-out',
      file('encrypted.bin'),
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
    ])
    const r = await kms(home, 'AsymmetricRsaDecrypt', {
      KeyId: keyId,
      Ciphertext: b64(readFileSync(file('encrypted.bin'))),
      Algorithm: 'RSAES_OAEP_SHA_256',
    })
    expect(Buffer.from(r['Plaintext'] as string, 'base64').toString()).toBe('test encrypt by rsa 2048')
  })

  it('(2) signatures with RSA-2048 (PSS, PKCS#1), ECC P-256 and SM2, RAW and DIGEST, verify with openssl', async () => {
    const message = randomBytes(3000)
    writeFileSync(file('msg.bin'), message)
    const sha256 = createHash('sha256').update(message).digest()
    const [rsa, ecc, sm2] = await Promise.all([
      createKey('walk-sign-rsa', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'),
      createKey('walk-sign-ecc', 'ASYMMETRIC_SIGN_VERIFY_ECC'),
      createKey('walk-sign-sm2', 'ASYMMETRIC_SIGN_VERIFY_SM2'),
    ])
    const [rsaPem, eccPem, sm2Pem] = await Promise.all([
      savePublicKey(rsa, 'rsa.pem'),
      savePublicKey(ecc, 'ecc.pem'),
      savePublicKey(sm2, 'sm2.pem'),
    ])
    const pems = { rsa: rsaPem, ecc: eccPem, sm2: sm2Pem }
    const sm2Spki = Buffer.from(readFileSync(pems.sm2, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')
    const sm2Digest = sm2MessageDigest(sm2PublicKeyFromSpki(sm2Spki), message)

    const cases = [
      { keyId: rsa, pem: pems.rsa, alg: 'RSA_PSS_SHA_256', type: 'RAW', msg: message, pss: true },
      { keyId: rsa, pem: pems.rsa, alg: 'RSA_PKCS1_SHA_256', type: 'DIGEST', msg: sha256, pss: false },
      { keyId: ecc, pem: pems.ecc, alg: 'ECC_P256_R1', type: 'RAW', msg: message, pss: false },
      { keyId: ecc, pem: pems.ecc, alg: 'ECC_P256_R1', type: 'DIGEST', msg: sha256, pss: false },
      { keyId: sm2, pem: pems.sm2, alg: 'SM2DSA', type: 'RAW', msg: message, pss: false },
      { keyId: sm2, pem: pems.sm2, alg: 'SM2DSA', type: 'DIGEST', msg: sm2Digest, pss: false },
    ]
    const signed = await Promise.all(
      cases.map((c) =>
        kms(home, 'SignByAsymmetricKey', {
          KeyId: c.keyId,
          Algorithm: c.alg,
          Message: b64(c.msg),
          MessageType: c.type,
        }),
      ),
    )
    for (const [i, c] of cases.entries()) {
      const r = signed[i] as Record<string, unknown>
      const sig = file(`sig-${i}.bin`)
      writeFileSync(sig, Buffer.from(r['Signature'] as string, 'base64'))
      const out =
        c.alg === 'SM2DSA'
          ? run(openssl, [
              'pkeyutl',
              '-verify',
              '-pubin',
              '-inkey',
              c.pem,
              '-rawin',
              '-digest',
              'sm3',
              '-pkeyopt',
              'distid:1234567812345678',
              '-in',
              file('msg.bin'),
              '-sigfile',
              sig,
            ])
          : run(openssl, [
              'dgst',
              '-verify',
              c.pem,
              '-sha256',
              ...(c.pss ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'] : []),
              '-signature',
              sig,
              file('msg.bin'),
            ])
      expect(out.toString(), `${c.alg} ${c.type}`).toMatch(/Verified OK|Signature Verified Successfully/)
    }
    const sm2Sig = (signed[5] as Record<string, unknown>)['Signature'] as string
    const [good, bad] = await Promise.all([
      kms(home, 'VerifyByAsymmetricKey', {
        KeyId: sm2,
        Algorithm: 'SM2DSA',
        Message: b64(sm2Digest),
        MessageType: 'DIGEST',
        SignatureValue: sm2Sig,
      }),
      kms(home, 'VerifyByAsymmetricKey', {
        KeyId: sm2,
        Algorithm: 'SM2DSA',
        Message: b64(sha256),
        MessageType: 'DIGEST',
        SignatureValue: sm2Sig,
      }),
    ])
    expect([good['SignatureValid'], bad['SignatureValid']]).toEqual([true, false])
    // A signature over other bytes is refused by openssl too (the check above is not vacuous).
    writeFileSync(file('other.bin'), randomBytes(3000))
    expect(() =>
      run(openssl, ['dgst', '-verify', pems.ecc, '-sha256', '-signature', file('sig-2.bin'), file('other.bin')]),
    ).toThrow()
  })

  it('(4) sensitive data: Encrypt / Decrypt with EncryptionContext, GenerateDataKey returns a working data key', async () => {
    const keyId = (await kms(home, 'CreateKey', { Alias: 'walk-sensitive', Description: 'db password' }))[
      'KeyId'
    ] as string
    const ctx = JSON.stringify({ app: 'billing' })
    const enc = await kms(home, 'Encrypt', {
      KeyId: keyId,
      Plaintext: b64(Buffer.from('s3cret-db-password')),
      EncryptionContext: ctx,
    })
    const dec = await kms(home, 'Decrypt', { CiphertextBlob: enc['CiphertextBlob'] as string, EncryptionContext: ctx })
    expect(Buffer.from(dec['Plaintext'] as string, 'base64').toString()).toBe('s3cret-db-password')
    expect(dec['KeyId']).toBe(keyId)
    const wrongCtx = await keyward(home, [
      'kms',
      'Decrypt',
      '--CiphertextBlob',
      enc['CiphertextBlob'] as string,
      '--EncryptionContext',
      '{"app":"other"}',
    ])
    expect(wrongCtx.code).toBe(1)
    expect(wrongCtx.stdout).toBe('')
    expect(wrongCtx.stderr).toMatch(
      /^\[TencentCloudSDKException\] code:InvalidParameterValue\.InvalidCiphertext message:Decryption failed.* requestId:[0-9a-f-]{36}\n$/,
    )
    const [dk, n] = await Promise.all([
      kms(home, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }),
      kms(home, 'GenerateDataKey', { KeyId: keyId, NumberOfBytes: 16 }),
    ])
    expect(Buffer.from(dk['Plaintext'] as string, 'base64')).toHaveLength(32)
    expect(Buffer.from(n['Plaintext'] as string, 'base64')).toHaveLength(16)
    const opened = await kms(home, 'Decrypt', { CiphertextBlob: dk['CiphertextBlob'] as string })
    expect(opened['Plaintext']).toBe(dk['Plaintext'])
  })

  it('takes tccli-style lists (JSON or several words) and prints the response model as tccli does', async () => {
    const [a, b] = await Promise.all([
      kms(home, 'CreateKey', { Alias: 'walk-list' }),
      kms(home, 'CreateKey', { Alias: 'walk-list-2' }),
    ])
    const [keyId, other] = [a['KeyId'] as string, b['KeyId'] as string]
    const [json, words] = await Promise.all([
      keyward(home, ['kms', 'DescribeKeys', '--KeyIds', JSON.stringify([keyId])]),
      keyward(home, ['kms', 'DescribeKeys', '--KeyIds', keyId, other, '--output', 'json']),
    ])
    expect(json.code, json.stderr).toBe(0)
    const body = JSON.parse(json.stdout) as { KeyMetadatas: { KeyId: string; Alias: string }[] }
    expect(json.stdout).toBe(`${JSON.stringify(body, null, 4)}\n`)
    expect(body.KeyMetadatas.map((m) => [m.KeyId, m.Alias])).toEqual([[keyId, 'walk-list']])
    const both = JSON.parse(words.stdout) as { KeyMetadatas: { Alias: string }[] }
    expect(both.KeyMetadatas.map((m) => m.Alias).sort()).toEqual(['walk-list', 'walk-list-2'])
  })
})
