/**
 * Independent tools check the PKCS#11 provider: pkcs11-tool (OpenSC) lists the token objects it made, and an
 * object deleted with pkcs11-tool behind the provider's back gives a clear error; OpenSSL verifies its
 * signatures; node:crypto / @keyward/flows encrypt for its RSA keys.
 */
import { createHash, createPublicKey, constants, publicEncrypt, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptWithPublicKey } from '@keyward/flows/asymmetric'
import { isKeywardError, type SignAlgorithm } from '@keyward/core'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { requireBinary, tempDir } from '@keyward/test-support'
import { execFileSync, spawnSync } from 'node:child_process'
import { createSoftHsmToken } from '../support/softhsm.js'

const token = createSoftHsmToken()
const tmp = tempDir('keyward-pkcs11-interop-')
let provider: Pkcs11KeyProvider

beforeAll(() => {
  requireBinary('pkcs11-tool')
  requireBinary('openssl')
  provider = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pin: token.pin })
})
afterAll(async () => {
  await provider.close()
  tmp.remove()
  token.remove()
})

function pkcs11Tool(args: string[]): string {
  return execFileSync(
    'pkcs11-tool',
    ['--module', token.modulePath, '--token-label', token.label, '--login', '--pin', token.pin, ...args],
    { env: token.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  )
}

describe('pkcs11-tool', () => {
  it('--list-objects shows each key version with its keyward label and CKA_ID, sensitive and never extractable', async () => {
    const aes = await provider.createKey({ alias: 'listed-aes' })
    const ec = await provider.createKey({ alias: 'listed-ec', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    await provider.rotateKey(aes.keyId)
    const out = pkcs11Tool(['--list-objects'])
    for (const label of [`keyward:${aes.keyId}/v1`, `keyward:${aes.keyId}/v2`, `keyward:${ec.keyId}/v1`])
      expect(out).toContain(label)
    const aesBlock = out
      .split(/\n(?=\S)/)
      .find((b) => b.includes(`keyward:${aes.keyId}/v1`) && b.startsWith('Secret Key'))
    expect(aesBlock).toBeDefined()
    expect(aesBlock).toContain(Buffer.from(`${aes.keyId}/v1`).toString('hex'))
    const access = (/Access:\s+(.*)/.exec(aesBlock ?? '')?.[1] ?? '').split(', ')
    expect(access).toEqual(expect.arrayContaining(['sensitive', 'always sensitive', 'never extractable', 'local']))
    expect(access).not.toContain('extractable')
    const ecBlock = out
      .split(/\n(?=\S)/)
      .find((b) => b.includes(`keyward:${ec.keyId}/v1`) && b.startsWith('Private Key'))
    expect(ecBlock).toContain('EC')
  })

  it('--read-object --type pubkey gives the same SubjectPublicKeyInfo as GetPublicKey', async () => {
    for (const keyUsage of ['ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_ECC'] as const) {
      const key = await provider.createKey({ alias: `read-pub-${keyUsage.toLowerCase().replace(/_/g, '-')}`, keyUsage })
      const out = join(tmp.dir, `${key.keyId}.pub.der`)
      pkcs11Tool([
        '--read-object',
        '--type',
        'pubkey',
        '--id',
        Buffer.from(`${key.keyId}/v1`).toString('hex'),
        '--output-file',
        out,
      ])
      const fromTool = createPublicKey({ key: readFileSync(out), format: 'der', type: 'spki' }).export({
        format: 'der',
        type: 'spki',
      })
      expect(fromTool.toString('base64')).toBe((await provider.getPublicKey(key.keyId)).publicKey)
    }
  })

  it('pkcs11-tool --sign with the token key (CKM_ECDSA over a SHA-256 digest, DER) verifies through VerifyByAsymmetricKey', async () => {
    const key = await provider.createKey({ alias: 'tool-signs', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const message = randomBytes(300)
    const digest = createHash('sha256').update(message).digest()
    const msgFile = join(tmp.dir, 'tool-signs.digest')
    const sigFile = join(tmp.dir, 'tool-signs.sig')
    writeFileSync(msgFile, digest)
    pkcs11Tool([
      '--sign',
      '--mechanism',
      'ECDSA',
      '--signature-format',
      'openssl',
      '--id',
      Buffer.from(`${key.keyId}/v1`).toString('hex'),
      '--input-file',
      msgFile,
      '--output-file',
      sigFile,
    ])
    const signature = readFileSync(sigFile)
    expect(
      (await provider.verifyByAsymmetricKey({ keyId: key.keyId, algorithm: 'ECC_P256_R1', message, signature }))
        .signatureValid,
    ).toBe(true)
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'ECC_P256_R1',
          message: digest,
          messageType: 'DIGEST',
          signature,
        })
      ).signatureValid,
    ).toBe(true)
    expect(
      (
        await provider.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'ECC_P256_R1',
          message: randomBytes(300),
          signature,
        })
      ).signatureValid,
    ).toBe(false)
  })

  it('a key version deleted with pkcs11-tool --delete-object: Encrypt fails with CmkNotFound naming the missing object', async () => {
    const key = await provider.createKey({ alias: 'deleted-behind-our-back' })
    const { ciphertextBlob } = await provider.encrypt({ keyId: key.keyId, plaintext: Buffer.from('cached handle') })
    pkcs11Tool(['--delete-object', '--type', 'secrkey', '--id', Buffer.from(`${key.keyId}/v1`).toString('hex')])
    for (const call of [
      () => provider.encrypt({ keyId: key.keyId, plaintext: Buffer.from('x') }),
      () => provider.decrypt({ ciphertextBlob }),
    ]) {
      const e = await call().then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(isKeywardError(e, 'ResourceUnavailable.CmkNotFound'), String(e)).toBe(true)
      expect((e as Error).message).toContain(`${key.keyId}/v1`)
      expect((e as Error).message).toContain('deleted outside Keyward')
    }
    // The metadata stays, so an operator can see which key lost its material.
    expect((await provider.describeKey(key.keyId)).keyState).toBe('Enabled')
  })
})

describe('openssl verifies token signatures', () => {
  const cases: Array<
    [string, 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' | 'ASYMMETRIC_SIGN_VERIFY_ECC', SignAlgorithm, string[]]
  > = [
    ['RSA PKCS#1 v1.5', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048', 'RSA_PKCS1_SHA_256', []],
    [
      'RSA-PSS',
      'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      'RSA_PSS_SHA_256',
      ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sigopt', 'rsa_mgf1_md:sha256'],
    ],
    ['ECDSA P-256 (DER)', 'ASYMMETRIC_SIGN_VERIFY_ECC', 'ECC_P256_R1', []],
  ]
  for (const [what, keyUsage, algorithm, sigopts] of cases) {
    it(`${what}: RAW and DIGEST signatures verify with openssl dgst -sha256 -verify`, async () => {
      const key = await provider.createKey({ alias: `ossl-${algorithm.toLowerCase().replace(/_/g, '-')}`, keyUsage })
      const { publicKeyPem } = await provider.getPublicKey(key.keyId)
      const pem = join(tmp.dir, `${key.keyId}.pem`)
      writeFileSync(pem, publicKeyPem)
      const message = randomBytes(1000)
      const msgFile = join(tmp.dir, `${key.keyId}.msg`)
      writeFileSync(msgFile, message)
      const digest = createHash('sha256').update(message).digest()
      for (const [input, messageType] of [
        [message, 'RAW'],
        [digest, 'DIGEST'],
      ] as const) {
        const { signature } = await provider.signByAsymmetricKey({
          keyId: key.keyId,
          algorithm,
          message: input,
          messageType,
        })
        const sigFile = join(tmp.dir, `${key.keyId}.${messageType}.sig`)
        writeFileSync(sigFile, signature)
        const ok = spawnSync(
          'openssl',
          ['dgst', '-sha256', '-verify', pem, ...sigopts, '-signature', sigFile, msgFile],
          { encoding: 'utf8' },
        )
        expect(ok.stdout.trim(), ok.stderr).toBe('Verified OK')
        const tampered = Buffer.from(message)
        tampered[0]! ^= 1
        writeFileSync(msgFile, tampered)
        const bad = spawnSync(
          'openssl',
          ['dgst', '-sha256', '-verify', pem, ...sigopts, '-signature', sigFile, msgFile],
          { encoding: 'utf8' },
        )
        expect(bad.status).not.toBe(0)
        writeFileSync(msgFile, message)
      }
    })
  }
})

describe('RSA-OAEP: encrypted outside, decrypted in the token', () => {
  it('node:crypto publicEncrypt (OAEP SHA-1 and SHA-256) and @keyward/flows encryptWithPublicKey decrypt in the token', async () => {
    const key = await provider.createKey({ alias: 'oaep-interop', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const { publicKey, publicKeyPem } = await provider.getPublicKey(key.keyId)
    const spki = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' })
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      for (const length of [1, 32, oaepHash === 'sha1' ? 214 : 190]) {
        const secret = randomBytes(length)
        const ciphertext = publicEncrypt({ key: spki, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret)
        const { plaintext } = await provider.asymmetricRsaDecrypt({ keyId: key.keyId, algorithm, ciphertext })
        expect(Buffer.from(plaintext).equals(secret)).toBe(true)
      }
      const viaFlows = encryptWithPublicKey(publicKeyPem, algorithm, Buffer.from('card 4111 1111 1111 1111'))
      const { plaintext } = await provider.asymmetricRsaDecrypt({ keyId: key.keyId, algorithm, ciphertext: viaFlows })
      expect(Buffer.from(plaintext).toString()).toBe('card 4111 1111 1111 1111')
    }
  })

  it('openssl pkeyutl OAEP-SHA-256 ciphertexts decrypt in the token; the wrong OAEP hash is the one decryption failure', async () => {
    const key = await provider.createKey({ alias: 'oaep-openssl', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const pem = join(tmp.dir, 'oaep.pem')
    writeFileSync(pem, (await provider.getPublicKey(key.keyId)).publicKeyPem)
    const input = join(tmp.dir, 'oaep.in')
    writeFileSync(input, 'from openssl')
    const ciphertext = execFileSync('openssl', [
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-inkey',
      pem,
      '-in',
      input,
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha256',
    ])
    const { plaintext } = await provider.asymmetricRsaDecrypt({
      keyId: key.keyId,
      algorithm: 'RSAES_OAEP_SHA_256',
      ciphertext,
    })
    expect(Buffer.from(plaintext).toString()).toBe('from openssl')
    const e = await provider.asymmetricRsaDecrypt({ keyId: key.keyId, algorithm: 'RSAES_OAEP_SHA_1', ciphertext }).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(isKeywardError(e, 'InvalidParameterValue.InvalidCiphertext')).toBe(true)
  })
})
