import {
  constants,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobCipherOf } from '@keyward/core'
import { auditMacKey, inventoryHome, verifyAuditChain, type ServerOptions } from '@keyward/server'
import { b64, startTestServer, type KmsClient, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

// The server under each compliance profile, through the real tencentcloud-sdk-nodejs: a home filled under `none`
// (a deliberate mix of keys, ciphertexts, a hosted data key and an import token) is restarted under gm, gm with the
// legacy escape hatch, and fips. Everything the profile forbids is refused with UnsupportedOperation.ComplianceProfile,
// whichever Action names or uses it; defaults and the audit chain's hash switch.

const REFUSED = 'UnsupportedOperation.ComplianceProfile'

/** 32 random bytes of key material wrapped to an import token's public key (DER SPKI, base64), base64 as sent. */
function wrappedMaterial(publicKey: string, oaep: boolean): string {
  const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' })
  const padding = oaep
    ? { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }
    : { padding: constants.RSA_PKCS1_PADDING }
  return b64(publicEncrypt({ key, ...padding }, randomBytes(32)))
}

interface Planted {
  aes: string
  sm4: string
  rsaSign: string
  rsaDecrypt: string
  ecc: string
  sm2Sign: string
  sm2Decrypt: string
  external: string
  aesBlob: string
  sm4Blob: string
  hostedUnderAes: string
  pkcs1Token: { token: string; publicKey: string }
}

async function keyId(client: KmsClient, alias: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await client.CreateKey({ Alias: alias, ...extra } as never)).KeyId as string
}

async function plant(admin: KmsClient): Promise<Planted> {
  const aes = await keyId(admin, 'aes')
  const sm4 = await keyId(admin, 'sm4', { KeySpec: 'SM4' })
  const external = await keyId(admin, 'external', { Type: 2 })
  const params = await admin.GetParametersForImport({
    KeyId: external,
    WrappingAlgorithm: 'RSAES_PKCS1_V1_5',
    WrappingKeySpec: 'RSA_2048',
  })
  const hosted = await admin.GenerateDataKey({
    KeyId: aes,
    NumberOfBytes: 32,
    IsHostedByKms: 1,
    DataKeyName: 'under-aes',
  })
  return {
    aes,
    sm4,
    external,
    rsaSign: await keyId(admin, 'rsa-sign', { KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' }),
    rsaDecrypt: await keyId(admin, 'rsa-decrypt', { KeyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' }),
    ecc: await keyId(admin, 'ecc', { KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' }),
    sm2Sign: await keyId(admin, 'sm2-sign', { KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }),
    sm2Decrypt: await keyId(admin, 'sm2-decrypt', { KeyUsage: 'ASYMMETRIC_DECRYPT_SM2' }),
    aesBlob: (await admin.Encrypt({ KeyId: aes, Plaintext: b64('aes secret') })).CiphertextBlob as string,
    sm4Blob: (await admin.Encrypt({ KeyId: sm4, Plaintext: b64('sm4 secret') })).CiphertextBlob as string,
    hostedUnderAes: hosted.DataKeyId as string,
    pkcs1Token: { token: params.ImportToken as string, publicKey: params.PublicKey as string },
  }
}

/** The error (code and message) an SDK call fails with. */
async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), message: String((e as Error).message) }
  }
  throw new Error('expected the call to fail')
}

describe('keyward serve under compliance profiles (real SDK)', () => {
  let home: TestServer
  let k: Planted
  let sm2Pem: string
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()

  beforeAll(async () => {
    home = await startTestServer()
    k = await plant(home.admin)
    sm2Pem = (await home.admin.GetPublicKey({ KeyId: k.sm2Decrypt })).PublicKeyPem as string
    await home.server.close()
  })
  afterAll(() => home.close().catch(() => undefined))

  async function restart(options: Partial<ServerOptions>): Promise<TestServer> {
    return startTestServer({ reuse: { dir: home.dir, rootKey: home.rootKey }, ...options })
  }

  describe('gm', () => {
    let s: TestServer
    beforeAll(async () => {
      s = await restart({ compliance: 'gm' })
    })
    afterAll(() => s.server.close())

    it('ListAlgorithms lists SM4 and SM2 only', async () => {
      const r = await s.admin.ListAlgorithms({})
      expect(r.SymmetricAlgorithms).toEqual([{ KeyUsage: 'ENCRYPT_DECRYPT', Algorithm: 'SM4' }])
      expect(r.AsymmetricAlgorithms).toEqual([{ KeyUsage: 'ASYMMETRIC_DECRYPT_SM2', Algorithm: 'SM2' }])
      expect(r.AsymmetricSignVerifyAlgorithms).toEqual([{ KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2', Algorithm: 'SM2' }])
    })

    it('CreateKey without KeySpec makes SM4; AES, RSA, ECC and EXTERNAL keys are refused, naming gm and the alternative', async () => {
      const id = await keyId(s.admin, 'gm-default')
      expect((await s.admin.DescribeKey({ KeyId: id })).KeyMetadata?.KeySpec).toBe('SM4')
      expect(blobCipherOf((await s.admin.Encrypt({ KeyId: id, Plaintext: b64('x') })).CiphertextBlob)).toBe('SM4-GCM')
      const e = await errorOf(s.admin.CreateKey({ Alias: 'a', KeySpec: 'AES_256' } as never))
      expect(e.code).toBe(REFUSED)
      expect(e.message).toMatch(/gm compliance profile .* does not allow key spec AES_256 \(CreateKey\): use SM4/)
      for (const usage of [
        'ASYMMETRIC_DECRYPT_RSA_2048',
        'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
        'ASYMMETRIC_SIGN_VERIFY_ECC',
      ]) {
        expect(await codeOf(s.admin.CreateKey({ Alias: `u-${usage.length}`, KeyUsage: usage }))).toBe(REFUSED)
      }
      expect(await codeOf(s.admin.CreateKey({ Alias: 'ext2', Type: 2 }))).toBe(REFUSED)
      // A parameter that would loosen the profile does not exist.
      expect(await codeOf(s.admin.CreateKey({ Alias: 'loose', KeySpec: 'AES_256', Compliance: 'none' } as never))).toBe(
        'UnknownParameter',
      )
    })

    it('keys made before gm: every use is refused, only management remains', async () => {
      expect(await codeOf(s.admin.Encrypt({ KeyId: k.aes, Plaintext: b64('x') }))).toBe(REFUSED)
      expect(await codeOf(s.admin.GenerateDataKey({ KeyId: k.aes, NumberOfBytes: 16 }))).toBe(REFUSED)
      expect(await codeOf(s.admin.Decrypt({ CiphertextBlob: k.aesBlob }))).toBe(REFUSED)
      expect(await codeOf(s.admin.GetDataKeyPlaintext({ DataKeyId: k.hostedUnderAes }))).toBe(REFUSED)
      expect(await codeOf(s.admin.ReEncrypt({ CiphertextBlob: k.aesBlob, DestinationKeyId: k.sm4 }))).toBe(REFUSED)
      expect(await codeOf(s.admin.RotateKey({ KeyId: k.aes }))).toBe(REFUSED)
      expect(await codeOf(s.admin.EnableKeyRotation({ KeyId: k.aes, RotateDays: 30 }))).toBe(REFUSED)
      expect(
        await codeOf(
          s.admin.SignByAsymmetricKey({
            KeyId: k.rsaSign,
            Algorithm: 'RSA_PSS_SHA_256',
            Message: b64('m'),
            MessageType: 'RAW',
          }),
        ),
      ).toBe(REFUSED)
      expect(
        await codeOf(
          s.admin.SignByAsymmetricKey({
            KeyId: k.ecc,
            Algorithm: 'ECC_P256_R1',
            Message: b64('m'),
            MessageType: 'RAW',
          }),
        ),
      ).toBe(REFUSED)
      expect(
        await codeOf(
          s.admin.VerifyByAsymmetricKey({
            KeyId: k.ecc,
            Algorithm: 'ECC_P256_R1',
            Message: b64('m'),
            SignatureValue: b64('s'),
            MessageType: 'RAW',
          }),
        ),
      ).toBe(REFUSED)
      expect(await codeOf(s.admin.GetPublicKey({ KeyId: k.rsaDecrypt }))).toBe(REFUSED)
      const ct = publicEncrypt(
        { key: createPublicKey(rsaPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from('x'),
      )
      expect(
        await codeOf(
          s.admin.AsymmetricRsaDecrypt({ KeyId: k.rsaDecrypt, Ciphertext: b64(ct), Algorithm: 'RSAES_OAEP_SHA_256' }),
        ),
      ).toBe(REFUSED)
      await s.admin.DisableKey({ KeyId: k.rsaSign })
      await s.admin.EnableKey({ KeyId: k.rsaSign })
    })

    it('SM4 and SM2 keys work; data keys take KeySpec SM4 (16 bytes) and refuse AES sizes', async () => {
      expect(
        Buffer.from((await s.admin.Decrypt({ CiphertextBlob: k.sm4Blob })).Plaintext as string, 'base64').toString(),
      ).toBe('sm4 secret')
      expect(
        Buffer.from((await s.admin.GenerateDataKey({ KeyId: k.sm4, KeySpec: 'SM4' })).Plaintext as string, 'base64'),
      ).toHaveLength(16)
      expect(
        Buffer.from((await s.admin.GenerateDataKey({ KeyId: k.sm4, NumberOfBytes: 32 })).Plaintext as string, 'base64'),
      ).toHaveLength(32)
      for (const spec of ['AES_128', 'AES_256'])
        expect(await codeOf(s.admin.GenerateDataKey({ KeyId: k.sm4, KeySpec: spec }))).toBe(REFUSED)
      const sig = await s.admin.SignByAsymmetricKey({
        KeyId: k.sm2Sign,
        Algorithm: 'SM2DSA',
        Message: b64('m'),
        MessageType: 'RAW',
      })
      expect(
        (
          await s.admin.VerifyByAsymmetricKey({
            KeyId: k.sm2Sign,
            Algorithm: 'SM2DSA',
            Message: b64('m'),
            SignatureValue: sig.Signature as string,
            MessageType: 'RAW',
          })
        ).SignatureValid,
      ).toBe(true)
    })

    it('sealing to a public key: SM2 (the default) only; RSA sealing is refused before anything is decrypted or generated', async () => {
      const sealed = await s.admin.GenerateDataKey({ KeyId: k.sm4, KeySpec: 'SM4', EncryptionPublicKey: sm2Pem })
      const plain = await s.admin.AsymmetricSm2Decrypt({ KeyId: k.sm2Decrypt, Ciphertext: sealed.Plaintext as string })
      expect(Buffer.from(plain.Plaintext as string, 'base64')).toHaveLength(16)
      for (const alg of ['RSAES_OAEP_SHA_256', 'RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1']) {
        expect(
          await codeOf(
            s.admin.GenerateDataKey({
              KeyId: k.sm4,
              KeySpec: 'SM4',
              EncryptionPublicKey: rsaPem,
              EncryptionAlgorithm: alg,
            }),
          ),
        ).toBe(REFUSED)
        expect(
          await codeOf(
            s.admin.Decrypt({ CiphertextBlob: k.sm4Blob, EncryptionPublicKey: rsaPem, EncryptionAlgorithm: alg }),
          ),
        ).toBe(REFUSED)
      }
      // Nothing refused was hosted: only the data key planted before the profile.
      expect((await s.admin.ListDataKeys({})).TotalCount).toBe(1)
    })

    it('key import is refused: no RSA wrapping, and a token issued before gm does not import', async () => {
      expect(
        await codeOf(
          s.admin.GetParametersForImport({
            KeyId: k.external,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_2048',
          }),
        ),
      ).toBe(REFUSED)
      const wrapped = wrappedMaterial(k.pkcs1Token.publicKey, false)
      expect(
        await codeOf(
          s.admin.ImportKeyMaterial({
            KeyId: k.external,
            ImportToken: k.pkcs1Token.token,
            EncryptedKeyMaterial: wrapped,
          }),
        ),
      ).toBe(REFUSED)
      expect((await s.admin.DescribeKey({ KeyId: k.external })).KeyMetadata?.KeyState).toBe('PendingImport')
    })

    it('the audit chain switches to SM3 and HMAC-SM3; earlier entries stay SHA-256 and the whole log verifies', async () => {
      expect(s.server.auditHash).toBe('sm3')
      await s.admin.GetRegions({})
      await s.server.store.audit.drain()
      const macKey = auditMacKey(s.rootKey)
      const r = await verifyAuditChain(s.server.store, { macKey })
      expect(r.ok).toBe(true)
      expect(r.hashes.sha256).toBeGreaterThan(10)
      expect(r.hashes.sm3).toBeGreaterThan(10)
      expect(r.headHashAlg).toBe('sm3')
      // Relabelling an SM3 entry as SHA-256 (to dodge the SM3 check) breaks it.
      const [last] = await s.server.store.db.all('SELECT seq FROM srv_audit ORDER BY seq DESC LIMIT 1')
      await s.server.store.db.run("UPDATE srv_audit SET hash_alg = 'sha256' WHERE seq = ?", [last!['seq'] as number])
      expect(await verifyAuditChain(s.server.store, { macKey })).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/altered/),
      })
      await s.server.store.db.run("UPDATE srv_audit SET hash_alg = 'sm3' WHERE seq = ?", [last!['seq'] as number])
      expect((await verifyAuditChain(s.server.store, { macKey })).ok).toBe(true)
    })
  })

  describe('gm with allowLegacyDecrypt', () => {
    let s: TestServer
    beforeAll(async () => {
      s = await restart({ compliance: 'gm', allowLegacyDecrypt: true })
    })
    afterAll(() => s.server.close())

    it('old AES data decrypts and moves into SM4, each time with a LegacyDecrypt audit entry; AES encryption stays refused', async () => {
      const d = await s.admin.Decrypt({ CiphertextBlob: k.aesBlob })
      expect(Buffer.from(d.Plaintext as string, 'base64').toString()).toBe('aes secret')
      const moved = await s.admin.ReEncrypt({ CiphertextBlob: k.aesBlob, DestinationKeyId: k.sm4 })
      expect(blobCipherOf(moved.CiphertextBlob)).toBe('SM4-GCM')
      expect(await codeOf(s.admin.ReEncrypt({ CiphertextBlob: k.aesBlob }))).toBe(REFUSED)
      expect(await codeOf(s.admin.Encrypt({ KeyId: k.aes, Plaintext: b64('x') }))).toBe(REFUSED)
      await s.server.store.audit.drain()
      const rows = await s.server.store.db.all(
        "SELECT action, key_id, result, request_id FROM srv_audit WHERE action IN ('LegacyDecrypt', 'Decrypt', 'ReEncrypt') ORDER BY seq DESC LIMIT 5",
      )
      const legacy = rows.filter((r) => r['action'] === 'LegacyDecrypt')
      expect(legacy.map((r) => r['key_id'])).toEqual([k.aes, k.aes])
      // Each LegacyDecrypt entry shares its request's RequestId.
      for (const l of legacy)
        expect(
          rows.some(
            (r) => r['action'] !== 'LegacyDecrypt' && r['request_id'] === l['request_id'] && r['result'] === 'Success',
          ),
        ).toBe(true)
      expect((await verifyAuditChain(s.server.store, { macKey: auditMacKey(s.rootKey) })).ok).toBe(true)
    })
  })

  describe('the inventory a compliance report reads', () => {
    it("lists every key of every account with its owner and alias, and the audit log's hashes and legacy decryptions", async () => {
      const s = await restart({ compliance: 'gm' })
      const other = await s.account('team-b')
      const theirs = await keyId(other, 'their-sm4')
      await s.server.close()
      // As keyward serve keeps it: the root key in <home>/root.key, 0600.
      writeFileSync(join(home.dir, 'root.key'), home.rootKey.toString('base64'), { mode: 0o600 })
      const inv = await inventoryHome({ home: home.dir, location: 'software (SQLite), sealed under the root key' })
      expect(inv.accounts).toBe(2)
      const byId = new Map(inv.keys.map((x) => [x.keyId, x]))
      expect(byId.get(theirs)).toMatchObject({ account: 'team-b', alias: 'their-sm4', keySpec: 'SM4' })
      expect(byId.get(k.rsaSign)).toMatchObject({
        account: 'admin',
        alias: 'rsa-sign',
        keySpec: 'RSA_2048',
        keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
      })
      expect(byId.get(k.external)).toMatchObject({ origin: 'EXTERNAL', keySpec: 'AES_256' })
      expect(inv.audit.ok).toBe(true)
      expect(inv.audit.hashes['SM3']).toBeGreaterThan(0)
      expect(inv.audit.hashes['SHA-256']).toBeGreaterThan(0)
      expect(inv.audit.legacyDecrypts).toBe(2)
    })
  })

  describe('fips', () => {
    let s: TestServer
    beforeAll(async () => {
      s = await restart({ compliance: 'fips' })
    })
    afterAll(() => s.server.close())

    it('ListAlgorithms lists AES, RSA and ECC only; SM keys and algorithms are refused', async () => {
      const r = await s.admin.ListAlgorithms({})
      expect(r.SymmetricAlgorithms).toEqual([{ KeyUsage: 'ENCRYPT_DECRYPT', Algorithm: 'AES_256' }])
      expect(r.AsymmetricSignVerifyAlgorithms?.map((a) => a.Algorithm)).toEqual(['RSA_2048', 'ECC_P256'])
      expect(await codeOf(s.admin.CreateKey({ Alias: 'f-sm4', KeySpec: 'SM4' } as never))).toBe(REFUSED)
      expect(await codeOf(s.admin.CreateKey({ Alias: 'f-sm2', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }))).toBe(REFUSED)
      expect(await codeOf(s.admin.Encrypt({ KeyId: k.sm4, Plaintext: b64('x') }))).toBe(REFUSED)
      expect(await codeOf(s.admin.Decrypt({ CiphertextBlob: k.sm4Blob }))).toBe(REFUSED)
      expect(
        await codeOf(
          s.admin.SignByAsymmetricKey({ KeyId: k.sm2Sign, Algorithm: 'SM2DSA', Message: b64('m'), MessageType: 'RAW' }),
        ),
      ).toBe(REFUSED)
      expect(
        await codeOf(s.admin.AsymmetricSm2Decrypt({ KeyId: k.sm2Decrypt, Ciphertext: b64(randomBytes(120)) })),
      ).toBe(REFUSED)
      expect(await codeOf(s.admin.GenerateDataKey({ KeyId: k.aes, KeySpec: 'SM4' }))).toBe(REFUSED)
      expect(
        Buffer.from((await s.admin.Decrypt({ CiphertextBlob: k.aesBlob })).Plaintext as string, 'base64').toString(),
      ).toBe('aes secret')
    })

    it('sealing defaults to RSAES_OAEP_SHA_256; SM2 and PKCS#1 v1.5 sealing are refused', async () => {
      const sealed = await s.admin.GenerateDataKey({ KeyId: k.aes, KeySpec: 'AES_256', EncryptionPublicKey: rsaPem })
      const dk = privateDecrypt(
        { key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(sealed.Plaintext as string, 'base64'),
      )
      expect(dk).toHaveLength(32)
      expect(
        await codeOf(
          s.admin.GenerateDataKey({
            KeyId: k.aes,
            KeySpec: 'AES_256',
            EncryptionPublicKey: sm2Pem,
            EncryptionAlgorithm: 'SM2',
          }),
        ),
      ).toBe(REFUSED)
      expect(
        await codeOf(
          s.admin.GenerateDataKey({
            KeyId: k.aes,
            KeySpec: 'AES_256',
            EncryptionPublicKey: rsaPem,
            EncryptionAlgorithm: 'RSAES_PKCS1_V1_5',
          }),
        ),
      ).toBe(REFUSED)
    })

    it('import: PKCS#1 v1.5 wrapping and a PKCS#1 v1.5 token from before the profile are refused; OAEP imports', async () => {
      expect(
        await codeOf(
          s.admin.GetParametersForImport({
            KeyId: k.external,
            WrappingAlgorithm: 'RSAES_PKCS1_V1_5',
            WrappingKeySpec: 'RSA_2048',
          }),
        ),
      ).toBe(REFUSED)
      const old = wrappedMaterial(k.pkcs1Token.publicKey, false)
      expect(
        await codeOf(
          s.admin.ImportKeyMaterial({
            KeyId: k.external,
            ImportToken: k.pkcs1Token.token,
            EncryptedKeyMaterial: old,
          }),
        ),
      ).toBe(REFUSED)
      const p = await s.admin.GetParametersForImport({
        KeyId: k.external,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      })
      const wrapped = wrappedMaterial(p.PublicKey as string, true)
      await s.admin.ImportKeyMaterial({
        KeyId: k.external,
        ImportToken: p.ImportToken as string,
        EncryptedKeyMaterial: wrapped,
      })
      expect((await s.admin.DescribeKey({ KeyId: k.external })).KeyMetadata?.KeyState).toBe('Enabled')
    })

    it('the audit chain stays SHA-256', async () => {
      expect(s.server.auditHash).toBe('sha256')
      await s.server.store.audit.drain()
      const [row] = await s.server.store.db.all('SELECT hash_alg FROM srv_audit ORDER BY seq DESC LIMIT 1')
      expect(row?.['hash_alg']).toBe('sha256')
    })
  })
})
