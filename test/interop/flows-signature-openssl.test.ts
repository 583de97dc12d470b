/**
 * Seed 004 "非对称签名验签" walkthroughs, verbatim: sign a file with the flow (software provider), write
 * public_key.pem and the signature file, and verify them with the openssl commands of the Tencent docs — for files
 * of up to 4096 bytes (RAW) and larger ones (DIGEST computed locally). SM2 signatures are also checked with
 * sm-crypto, an independent implementation.
 */
import { createReadStream, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sm2 } from 'sm-crypto'
import { MemoryKeyStore, SM2_DEFAULT_USER_ID, type KeyUsage, type SignAlgorithm } from '@keyward/core'
import { SignatureFlow, verifySignatureLocally } from '@keyward/flows/signature'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { requireBinary, tempDir, tryRun } from '@keyward/test-support'

const openssl = requireBinary('openssl')

/** The exact verification command of the Tencent docs for each algorithm. */
function opensslVerify(algorithm: SignAlgorithm, dir: string, file: string, sig: string): string[] {
  const pub = join(dir, 'public_key.pem')
  switch (algorithm) {
    case 'RSA_PSS_SHA_256':
      return [
        'dgst',
        '-verify',
        pub,
        '-sha256',
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        'rsa_pss_saltlen:-1',
        '-signature',
        sig,
        file,
      ]
    case 'RSA_PKCS1_SHA_256':
    case 'ECC_P256_R1':
      return ['dgst', '-verify', pub, '-sha256', '-signature', sig, file]
    case 'SM2DSA':
      return [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pub,
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${SM2_DEFAULT_USER_ID}`,
        '-in',
        file,
        '-sigfile',
        sig,
      ]
  }
}

const CASES: Array<[SignAlgorithm, KeyUsage]> = [
  ['RSA_PSS_SHA_256', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'],
  ['RSA_PKCS1_SHA_256', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'],
  ['ECC_P256_R1', 'ASYMMETRIC_SIGN_VERIFY_ECC'],
  ['SM2DSA', 'ASYMMETRIC_SIGN_VERIFY_SM2'],
]
const SIZES = [1, 100, 4096, 4097, 300_000]

describe('signature flow output verifies with openssl exactly as the Tencent docs show', () => {
  const tmp = tempDir('kw-sig-')
  let provider: SoftwareKeyProvider
  let flow: SignatureFlow
  beforeAll(() => {
    provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    flow = new SignatureFlow(provider)
  })
  afterAll(async () => {
    await provider.close()
    tmp.remove()
  })

  for (const [algorithm, keyUsage] of CASES) {
    it(`${algorithm}: files of ${SIZES.join(', ')} bytes; RAW up to 4096, DIGEST beyond; tampering detected`, async () => {
      const { keyId } = await provider.createKey({
        alias: `sig-${algorithm.toLowerCase().replace(/_/g, '-')}`,
        keyUsage,
      })
      const dir = join(tmp.dir, algorithm)
      tryRun('mkdir', ['-p', dir])
      const { publicKeyPem } = await provider.getPublicKey(keyId)
      writeFileSync(join(dir, 'public_key.pem'), publicKeyPem)
      for (const size of SIZES) {
        const file = join(dir, `msg-${size}.bin`)
        const sigFile = join(dir, `msg-${size}.sig`)
        const message = randomBytes(size)
        writeFileSync(file, message)
        const signed = await flow.sign({ keyId, algorithm, message: { path: file } })
        expect(signed.messageType).toBe(size <= 4096 ? 'RAW' : 'DIGEST')
        expect(signed.messageLength).toBe(size)
        writeFileSync(sigFile, signed.signature)

        const ok = tryRun(openssl, opensslVerify(algorithm, dir, file, sigFile))
        expect(ok.stdout + ok.stderr, `openssl verify of ${size} bytes`).toMatch(
          /Verified OK|Signature Verified Successfully/,
        )
        expect(ok.status).toBe(0)

        expect(await flow.verify({ keyId, algorithm, message: message, signature: signed.signature })).toBe(true)
        expect(
          await flow.verify({
            keyId,
            algorithm,
            message: createReadStream(file),
            signature: signed.signature,
            local: true,
          }),
        ).toBe(true)

        const tampered = Buffer.from(message)
        tampered[tampered.length - 1]! ^= 0x01
        const badFile = join(dir, `bad-${size}.bin`)
        writeFileSync(badFile, tampered)
        expect(tryRun(openssl, opensslVerify(algorithm, dir, badFile, sigFile)).status).not.toBe(0)
        expect(await flow.verify({ keyId, algorithm, message: tampered, signature: signed.signature })).toBe(false)
        expect(await verifySignatureLocally(publicKeyPem, algorithm, { path: badFile }, signed.signature)).toBe(false)

        if (algorithm === 'SM2DSA') {
          const pubHex = Buffer.from((await flow.publicKey(keyId)).point).toString('hex')
          const smCryptoOk = sm2.doVerifySignature(
            Array.from(message) as never,
            Buffer.from(signed.signature).toString('hex'),
            pubHex,
            { der: true, hash: true, userId: SM2_DEFAULT_USER_ID } as never,
          )
          expect(smCryptoOk, `sm-crypto verify of ${size} bytes`).toBe(true)
        }
      }
    })
  }

  it('signatures made by openssl verify locally (independent signer)', async () => {
    const dir = join(tmp.dir, 'openssl-signed')
    tryRun('mkdir', ['-p', dir])
    const file = join(dir, 'msg.bin')
    writeFileSync(file, randomBytes(10_000))
    const keys: Array<[SignAlgorithm, string[], string[]]> = [
      [
        'RSA_PSS_SHA_256',
        ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
        ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'],
      ],
      ['RSA_PKCS1_SHA_256', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], []],
      ['ECC_P256_R1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], []],
    ]
    for (const [algorithm, genArgs, sigopts] of keys) {
      const priv = join(dir, `${algorithm}.pem`)
      const sig = join(dir, `${algorithm}.sig`)
      expect(tryRun(openssl, ['genpkey', ...genArgs, '-out', priv]).status).toBe(0)
      expect(tryRun(openssl, ['dgst', '-sha256', '-sign', priv, ...sigopts, '-out', sig, file]).status).toBe(0)
      const pub = tryRun(openssl, ['pkey', '-in', priv, '-pubout']).stdout
      const signature = Buffer.from(tryRun('base64', ['-w0', sig]).stdout, 'base64')
      expect(await verifySignatureLocally(pub, algorithm, { path: file }, signature), algorithm).toBe(true)
    }
    const sm2Priv = join(dir, 'sm2.pem')
    const sm2Sig = join(dir, 'sm2.sig')
    expect(tryRun(openssl, ['genpkey', '-algorithm', 'SM2', '-out', sm2Priv]).status).toBe(0)
    expect(
      tryRun(openssl, [
        'pkeyutl',
        '-sign',
        '-inkey',
        sm2Priv,
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${SM2_DEFAULT_USER_ID}`,
        '-in',
        file,
        '-out',
        sm2Sig,
      ]).status,
    ).toBe(0)
    const sm2Pub = tryRun(openssl, ['pkey', '-in', sm2Priv, '-pubout']).stdout
    const sm2Signature = Buffer.from(tryRun('base64', ['-w0', sm2Sig]).stdout, 'base64')
    expect(await verifySignatureLocally(sm2Pub, 'SM2DSA', { path: file }, sm2Signature)).toBe(true)
  })
})
