/**
 * Seed 004 "非对称数据加解密": the sender encrypts with the downloaded public key, the key holder decrypts.
 * Independent implementations on both sides: openssl pkeyutl and sm-crypto encrypt for our provider to decrypt,
 * and decrypt what the flow encrypted to their keys.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sm2 } from 'sm-crypto'
import { LIMITS, MemoryKeyStore } from '@keyward/core'
import { sm2PublicKeyToSpki } from '@keyward/gm'
import {
  AsymmetricDecryptor,
  MAX_SM2_PLAINTEXT_BYTES,
  convertSm2Ciphertext,
  encryptWithPublicKey,
} from '@keyward/flows/asymmetric'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf, requireBinary, run, tempDir } from '@keyward/test-support'

const openssl = requireBinary('openssl')

describe('asymmetric encryption flow against openssl and sm-crypto', () => {
  const tmp = tempDir('kw-asym-interop-')
  let provider: SoftwareKeyProvider
  let receiver: AsymmetricDecryptor
  let sm2Key = ''
  let rsaKey = ''
  beforeAll(async () => {
    provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    receiver = new AsymmetricDecryptor(provider)
    sm2Key = (await provider.createKey({ alias: 'asym-sm2', keyUsage: 'ASYMMETRIC_DECRYPT_SM2' })).keyId
    rsaKey = (await provider.createKey({ alias: 'asym-rsa', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })).keyId
  })
  afterAll(async () => {
    await provider.close()
    tmp.remove()
  })

  it('RSA: flow → provider for both OAEP hashes; openssl-encrypted data decrypts in the provider', async () => {
    const { publicKey, publicKeyPem } = await provider.getPublicKey(rsaKey)
    const pemFile = join(tmp.dir, 'rsa_public_key.pem')
    writeFileSync(pemFile, publicKeyPem)
    for (const [algorithm, md] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const plaintext = randomBytes(algorithm === 'RSAES_OAEP_SHA_1' ? 214 : 190)
      const ct = encryptWithPublicKey(publicKey, algorithm, plaintext)
      expect(Buffer.from(await receiver.decrypt(rsaKey, algorithm, ct))).toEqual(plaintext)
      const msgFile = join(tmp.dir, `rsa-${md}.txt`)
      writeFileSync(msgFile, 'hello from openssl')
      const viaOpenssl = run(openssl, [
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        pemFile,
        '-in',
        msgFile,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        `rsa_oaep_md:${md}`,
        '-pkeyopt',
        `rsa_mgf1_md:${md}`,
      ])
      expect(Buffer.from(await receiver.decrypt(rsaKey, algorithm, viaOpenssl)).toString()).toBe('hello from openssl')
      // the wrong OAEP hash does not decrypt
      expect(
        await codeOf(() =>
          receiver.decrypt(rsaKey, algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1', ct),
        ),
      ).toBe('InvalidParameterValue.InvalidCiphertext')
    }
  })

  it('SM2: flow output is ASN.1 C1C3C2 ≤ 256 bytes and decrypts in the provider, up to 146 bytes of plaintext', async () => {
    const { publicKeyPem } = await provider.getPublicKey(sm2Key)
    for (const n of [1, 32, MAX_SM2_PLAINTEXT_BYTES]) {
      const plaintext = randomBytes(n)
      for (let i = 0; i < 5; i++) {
        const ct = encryptWithPublicKey(publicKeyPem, 'SM2', plaintext)
        expect(ct[0]).toBe(0x30)
        expect(ct.length).toBeLessThanOrEqual(LIMITS.maxSm2CiphertextBytes)
        expect(Buffer.from(await receiver.decrypt(sm2Key, 'SM2', ct))).toEqual(plaintext)
      }
    }
    expect(MAX_SM2_PLAINTEXT_BYTES).toBe(146)
    expect(await codeOf(() => encryptWithPublicKey(publicKeyPem, 'SM2', randomBytes(147)))).toBe(
      'InvalidParameterValue',
    )
  })

  it('SM2: openssl decrypts what the flow encrypted to an openssl key, and the provider decrypts what openssl encrypted', async () => {
    const priv = join(tmp.dir, 'sm2.pem')
    run(openssl, ['genpkey', '-algorithm', 'SM2', '-out', priv])
    const pub = run(openssl, ['pkey', '-in', priv, '-pubout']).toString()
    const ctFile = join(tmp.dir, 'sm2.ct')
    writeFileSync(ctFile, encryptWithPublicKey(pub, 'SM2', Buffer.from('国密 SM2 明文')))
    expect(run(openssl, ['pkeyutl', '-decrypt', '-inkey', priv, '-in', ctFile]).toString()).toBe('国密 SM2 明文')

    const pemFile = join(tmp.dir, 'sm2_public_key.pem')
    writeFileSync(pemFile, (await provider.getPublicKey(sm2Key)).publicKeyPem)
    const msgFile = join(tmp.dir, 'sm2-msg.txt')
    writeFileSync(msgFile, 'from openssl')
    const viaOpenssl = run(openssl, ['pkeyutl', '-encrypt', '-pubin', '-inkey', pemFile, '-in', msgFile])
    expect(Buffer.from(await receiver.decrypt(sm2Key, 'SM2', viaOpenssl)).toString()).toBe('from openssl')
  })

  it('SM2: sm-crypto (raw C1C3C2, no 04) both ways, through the re-exported gm codec', async () => {
    const keys = sm2.generateKeyPairHex()
    const pubSpki = sm2PublicKeyToSpki(Buffer.from(keys.publicKey, 'hex'))
    const ct = encryptWithPublicKey(pubSpki, 'SM2', Buffer.from('to sm-crypto'))
    const raw = convertSm2Ciphertext(ct, { order: 'C1C3C2', encoding: 'raw', prefix: false })
    expect(sm2.doDecrypt(raw.toString('hex'), keys.privateKey, 1)).toBe('to sm-crypto')

    const point = Buffer.from((await provider.getPublicKey(sm2Key)).publicKey, 'base64')
      .subarray(-65)
      .toString('hex')
    const smCt = Buffer.from(sm2.doEncrypt('from sm-crypto', point, 1), 'hex')
    const out = await receiver.decrypt(sm2Key, 'SM2', smCt, {
      sm2Form: { order: 'C1C3C2', encoding: 'raw', prefix: false },
    })
    expect(Buffer.from(out).toString()).toBe('from sm-crypto')
    // C1C2C3 (sm-crypto mode 0) needs its own form; read as C1C3C2 it fails to decrypt
    const c1c2c3 = Buffer.from(sm2.doEncrypt('order matters', point, 0), 'hex')
    expect(
      Buffer.from(
        await receiver.decrypt(sm2Key, 'SM2', c1c2c3, { sm2Form: { order: 'C1C2C3', encoding: 'raw', prefix: false } }),
      ).toString(),
    ).toBe('order matters')
    expect(
      await codeOf(() =>
        receiver.decrypt(sm2Key, 'SM2', c1c2c3, { sm2Form: { order: 'C1C3C2', encoding: 'raw', prefix: false } }),
      ),
    ).toBe('InvalidParameterValue.InvalidCiphertext')
  })

  it('bad input: wrong key kind, oversized or empty ciphertext, tampered SM2 ciphertext', async () => {
    const { publicKey } = await provider.getPublicKey(rsaKey)
    expect(await codeOf(() => encryptWithPublicKey(publicKey, 'SM2', Buffer.from('x')))).toBe(
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
    expect(await codeOf(() => receiver.decrypt(sm2Key, 'SM2', randomBytes(600)))).toBe('InvalidParameterValue')
    expect(await codeOf(() => receiver.decrypt(rsaKey, 'RSAES_OAEP_SHA_1', Buffer.alloc(0)))).toBe(
      'InvalidParameterValue',
    )
    const ct = Buffer.from(
      encryptWithPublicKey((await provider.getPublicKey(sm2Key)).publicKey, 'SM2', Buffer.from('x')),
    )
    ct[ct.length - 1]! ^= 1
    expect(await codeOf(() => receiver.decrypt(sm2Key, 'SM2', ct))).toBe('InvalidParameterValue.InvalidCiphertext')
  })
})
