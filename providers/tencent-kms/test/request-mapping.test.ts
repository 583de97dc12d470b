import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataKey, KeywardError } from '@keyward/core'
import { apiError, ok, startStubKms, stubProvider, type StubKms, type StubReply } from './stub-kms-server.js'

// What goes on the wire for each method (Tencent field names, base64, EncryptionContext as a JSON string) and
// how each response is read back. The stub echoes scripted Tencent responses; no crypto happens here.
let stub: StubKms
let replies: Record<string, StubReply>
beforeAll(async () => {
  stub = await startStubKms((req) => replies[req.action] ?? apiError('InvalidAction'))
})
afterAll(() => stub.close())

function lastBody(action: string): Record<string, unknown> {
  const r = [...stub.requests].reverse().find((x) => x.action === action)
  expect(r, `${action} was sent`).toBeDefined()
  return r!.body
}

const META = {
  KeyId: 'kid-1',
  Alias: 'orders',
  CreateTime: 1700000000,
  Description: 'd',
  KeyState: 'PendingDelete',
  KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2',
  Type: 4,
  CreatorUin: 1,
  KeyRotationEnabled: true,
  Owner: 'user',
  NextRotateTime: 1800000000,
  DeletionDate: 1700600000,
  Origin: 'TENCENT_KMS',
  ValidTo: 0,
  RotateDays: 90,
  LastRotateTime: 1710000000,
}

describe('request and response mapping', () => {
  it('encrypt: base64 plaintext, context as sorted JSON; the blob comes back unchanged', async () => {
    replies = { Encrypt: ok({ KeyId: 'kid-1', CiphertextBlob: 'opaque-TENCENT-blob==' }) }
    const kms = stubProvider(stub)
    const out = await kms.encrypt({
      keyId: 'kid-1',
      plaintext: Buffer.from('card 4111'),
      encryptionContext: { z: '1', a: '2' },
    })
    expect(out).toEqual({ keyId: 'kid-1', ciphertextBlob: 'opaque-TENCENT-blob==' })
    expect(lastBody('Encrypt')).toEqual({
      KeyId: 'kid-1',
      Plaintext: Buffer.from('card 4111').toString('base64'),
      EncryptionContext: '{"a":"2","z":"1"}',
    })
  })

  it('decrypt: passes the blob through, decodes the plaintext', async () => {
    replies = { Decrypt: ok({ KeyId: 'kid-1', Plaintext: Buffer.from('secret').toString('base64') }) }
    const out = await stubProvider(stub).decrypt({ ciphertextBlob: 'opaque-TENCENT-blob==' })
    expect(Buffer.from(out.plaintext).toString()).toBe('secret')
    expect(lastBody('Decrypt')).toEqual({ CiphertextBlob: 'opaque-TENCENT-blob==' })
  })

  it('generateDataKey: a DataKey of the requested length, plaintext redacted', async () => {
    const key = Buffer.alloc(32, 7)
    replies = { GenerateDataKey: ok({ KeyId: 'kid-1', Plaintext: key.toString('base64'), CiphertextBlob: 'dk-blob' }) }
    const dk = await stubProvider(stub).generateDataKey({ keyId: 'kid-1', encryptionContext: { tenant: 't1' } })
    expect(dk).toBeInstanceOf(DataKey)
    expect(Buffer.from(dk.plaintext).equals(key)).toBe(true)
    expect(JSON.stringify(dk)).not.toContain(key.toString('base64'))
    expect(lastBody('GenerateDataKey')).toEqual({
      KeyId: 'kid-1',
      KeySpec: 'AES_256',
      EncryptionContext: '{"tenant":"t1"}',
    })
    dk.dispose()
    expect(dk.plaintext.every((b) => b === 0)).toBe(true)
  })

  it('generateDataKey: a plaintext of the wrong length is an error, not a short key', async () => {
    replies = {
      GenerateDataKey: ok({
        KeyId: 'kid-1',
        Plaintext: Buffer.alloc(16).toString('base64'),
        CiphertextBlob: 'dk-blob',
      }),
    }
    const e = await stubProvider(stub)
      .generateDataKey({ keyId: 'kid-1', numberOfBytes: 24 })
      .catch((x: unknown) => x)
    expect((e as KeywardError).code).toBe('InternalError')
    expect(lastBody('GenerateDataKey')).toEqual({ KeyId: 'kid-1', NumberOfBytes: 24 })
  })

  it('describeKey: KeyMetadata field by field; Type 4 of a symmetric key is SM4', async () => {
    replies = { DescribeKey: ok({ KeyMetadata: META }) }
    const kms = stubProvider(stub)
    expect(await kms.describeKey('kid-1')).toEqual({
      keyId: 'kid-1',
      alias: 'orders',
      description: 'd',
      keyState: 'PendingDelete',
      keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2',
      keySpec: 'SM2',
      origin: 'TENCENT_KMS',
      type: 1,
      createTime: 1700000000,
      deletionDate: 1700600000,
      validTo: 0,
      keyRotationEnabled: true,
      nextRotateTime: 1800000000,
      rotateDays: 90,
      lastRotateTime: 1710000000,
      keyVersionCount: 1,
      owner: 'user',
    })
    replies = {
      DescribeKey: ok({
        KeyMetadata: { KeyId: 'kid-2', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Type: 4, Origin: 'EXTERNAL' },
      }),
    }
    expect(await kms.describeKey('kid-2')).toMatchObject({
      keySpec: 'SM4',
      origin: 'EXTERNAL',
      type: 2,
      alias: '',
      createTime: 0,
      keyRotationEnabled: false,
    })
  })

  it('describeKey: a missing KeyMetadata is an InternalError, not undefined fields', async () => {
    replies = { DescribeKey: ok({}) }
    const e = await stubProvider(stub)
      .describeKey('kid-1')
      .catch((x: unknown) => x)
    expect((e as KeywardError).code).toBe('InternalError')
  })

  it('listKeys: pages at 200, maps filters, leaves out usages Keyward does not model', async () => {
    const all = Array.from({ length: 450 }, (_, i) => ({
      ...META,
      KeyId: `k-${i}`,
      KeyUsage: i === 5 ? 'ASYMMETRIC_SIGN_VERIFY_RSA_4096' : 'ENCRYPT_DECRYPT',
    }))
    stub.setHandler((req) => {
      if (req.action !== 'ListKeyDetail') return apiError('InvalidAction')
      const offset = Number(req.body.Offset),
        limit = Number(req.body.Limit)
      return ok({ TotalCount: all.length, KeyMetadatas: all.slice(offset, offset + limit) })
    })
    const before = stub.count('ListKeyDetail')
    const out = await stubProvider(stub).listKeys({
      limit: 300,
      keyState: 'Enabled',
      origin: 'TENCENT_KMS',
      keyUsage: 'ENCRYPT_DECRYPT',
    })
    expect(stub.count('ListKeyDetail') - before).toBe(2)
    expect(out.totalCount).toBe(450)
    expect(out.keys).toHaveLength(299)
    expect(out.keys[0]!.keyId).toBe('k-0')
    expect(out.keys.some((k) => k.keyId === 'k-5')).toBe(false)
    expect(lastBody('ListKeyDetail')).toEqual({
      Offset: 200,
      Limit: 100,
      KeyState: 1,
      Origin: 'TENCENT_KMS',
      KeyUsage: 'ENCRYPT_DECRYPT',
    })
    stub.setHandler((req) => replies[req.action] ?? apiError('InvalidAction'))
  })

  it('createKey: sends Tencent fields; KeySpec only to an endpoint that offers both specs', async () => {
    replies = {
      CreateKey: ok({
        KeyId: 'k-new',
        Alias: 'a1',
        CreateTime: 5,
        Description: '',
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
      }),
    }
    const single = await stubProvider(stub).createKey({ alias: 'a1' })
    expect(single).toMatchObject({
      keyId: 'k-new',
      keySpec: 'AES_256',
      origin: 'TENCENT_KMS',
      type: 1,
      keyState: 'Enabled',
    })
    expect(lastBody('CreateKey')).toEqual({ Alias: 'a1', KeyUsage: 'ENCRYPT_DECRYPT', Type: 1 })
    const both = stubProvider(stub, { symmetricKeySpecs: ['AES_256', 'SM4'] })
    expect(await both.createKey({ alias: 'a1', keySpec: 'SM4', description: 'gm' })).toMatchObject({ keySpec: 'SM4' })
    expect(lastBody('CreateKey')).toEqual({
      Alias: 'a1',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Type: 1,
      Description: 'gm',
      KeySpec: 'SM4',
    })
    const e = await stubProvider(stub)
      .createKey({ alias: 'a1', keySpec: 'SM4' })
      .catch((x: unknown) => x)
    expect((e as KeywardError).code).toBe('UnsupportedOperation')
  })

  it('createKey with a chosen KeyId (Type 2) sends KeyId; the endpoint must make exactly that key', async () => {
    replies = {
      CreateKey: ok({
        KeyId: '00000000-0000-4000-8000-000000000001',
        Alias: 'm',
        CreateTime: 5,
        Description: '',
        KeyState: 'PendingImport',
        KeyUsage: 'ENCRYPT_DECRYPT',
      }),
    }
    const made = await stubProvider(stub).createKey({
      alias: 'm',
      type: 2,
      keyId: '00000000-0000-4000-8000-000000000001',
    })
    expect(made).toMatchObject({
      keyId: '00000000-0000-4000-8000-000000000001',
      origin: 'EXTERNAL',
      keyState: 'PendingImport',
    })
    expect(lastBody('CreateKey')).toEqual({
      Alias: 'm',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Type: 2,
      KeyId: '00000000-0000-4000-8000-000000000001',
    })
  })

  it('createKey with a chosen KeyId: real Tencent KMS (UnknownParameter) → UnsupportedOperation naming keyward serve', async () => {
    replies = { CreateKey: apiError('UnknownParameter', 'The parameter `KeyId` is not recognized.') }
    const e = (await stubProvider(stub)
      .createKey({ alias: 'm', type: 2, keyId: '00000000-0000-4000-8000-000000000002' })
      .catch((x: unknown) => x)) as KeywardError
    expect(e).toBeInstanceOf(KeywardError)
    expect(e.code).toBe('UnsupportedOperation')
    expect(e.message).toMatch(/does not accept a chosen KeyId.*keyward serve does/)
    // Without a chosen KeyId the same answer keeps its ordinary mapping (UnknownParameter is one of ours).
    expect(
      (
        (await stubProvider(stub)
          .createKey({ alias: 'm' })
          .catch((x: unknown) => x)) as KeywardError
      ).code,
    ).toBe('UnknownParameter')
    // keyward serve's "KeyId in use" is a bad value, not a missing feature: it passes through.
    replies = { CreateKey: apiError('InvalidParameterValue', 'KeyId mig-3 cannot be used for a new key.') }
    expect(
      (
        (await stubProvider(stub)
          .createKey({ alias: 'm', type: 2, keyId: '00000000-0000-4000-8000-000000000003' })
          .catch((x: unknown) => x)) as KeywardError
      ).code,
    ).toBe('InvalidParameterValue')
  })

  it('createKey with a chosen KeyId: an endpoint that ignores it and assigns another → refused, stray key scheduled for deletion', async () => {
    replies = {
      CreateKey: ok({
        KeyId: 'other-id',
        Alias: 'm',
        CreateTime: 5,
        Description: '',
        KeyState: 'PendingImport',
        KeyUsage: 'ENCRYPT_DECRYPT',
      }),
      ScheduleKeyDeletion: ok({ DeletionDate: 9 }),
    }
    const before = stub.count('ScheduleKeyDeletion')
    const e = (await stubProvider(stub)
      .createKey({ alias: 'm', type: 2, keyId: '00000000-0000-4000-8000-000000000004' })
      .catch((x: unknown) => x)) as KeywardError
    expect(e.code).toBe('UnsupportedOperation')
    expect(stub.count('ScheduleKeyDeletion')).toBe(before + 1)
    expect(lastBody('ScheduleKeyDeletion')).toEqual({ KeyId: 'other-id', PendingWindowInDays: 7 })
  })

  it('sign / verify: base64 message and signature, MessageType sent', async () => {
    const sig = Buffer.alloc(71, 3)
    replies = {
      SignByAsymmetricKey: ok({ Signature: sig.toString('base64') }),
      VerifyByAsymmetricKey: ok({ SignatureValid: false }),
    }
    const kms = stubProvider(stub)
    const digest = Buffer.alloc(32, 9)
    const { signature } = await kms.signByAsymmetricKey({
      keyId: 'kid-1',
      algorithm: 'SM2DSA',
      message: digest,
      messageType: 'DIGEST',
    })
    expect(Buffer.from(signature).equals(sig)).toBe(true)
    expect(lastBody('SignByAsymmetricKey')).toEqual({
      KeyId: 'kid-1',
      Algorithm: 'SM2DSA',
      Message: digest.toString('base64'),
      MessageType: 'DIGEST',
    })
    expect(
      await kms.verifyByAsymmetricKey({
        keyId: 'kid-1',
        algorithm: 'SM2DSA',
        message: Buffer.from('m'),
        signature: sig,
      }),
    ).toEqual({ signatureValid: false })
    expect(lastBody('VerifyByAsymmetricKey')).toMatchObject({
      MessageType: 'RAW',
      SignatureValue: sig.toString('base64'),
    })
  })

  it('lifecycle actions send the KeyId and the documented parameters', async () => {
    replies = {
      ScheduleKeyDeletion: ok({ KeyId: 'kid-1', DeletionDate: 1701000000 }),
      GetKeyRotationStatus: ok({ KeyRotationEnabled: true }),
      EnableKeyRotation: ok(),
      UpdateAlias: ok(),
      DisableKey: ok(),
      ArchiveKey: ok(),
      RotateKey: ok(),
      GetParametersForImport: ok({
        KeyId: 'kid-1',
        ImportToken: 'tok',
        PublicKey: 'UEs=',
        ParametersValidTo: 1700086400,
      }),
      ImportKeyMaterial: ok(),
      GenerateRandom: ok({ Plaintext: Buffer.alloc(8, 1).toString('base64') }),
      GetPublicKey: ok({ KeyId: 'kid-1', PublicKey: 'UEs=', PublicKeyPem: '-----BEGIN PUBLIC KEY-----' }),
    }
    const kms = stubProvider(stub)
    expect(await kms.scheduleKeyDeletion('kid-1', 7)).toEqual({ deletionDate: 1701000000 })
    expect(lastBody('ScheduleKeyDeletion')).toEqual({ KeyId: 'kid-1', PendingWindowInDays: 7 })
    expect(await kms.getKeyRotationStatus('kid-1')).toEqual({
      keyRotationEnabled: true,
      rotateDays: 0,
      nextRotateTime: 0,
      lastRotateTime: 0,
      keyVersionCount: 1,
    })
    await kms.enableKeyRotation('kid-1', 30)
    expect(lastBody('EnableKeyRotation')).toEqual({ KeyId: 'kid-1', RotateDays: 30 })
    await kms.updateAlias('kid-1', 'new_alias')
    expect(lastBody('UpdateAlias')).toEqual({ KeyId: 'kid-1', Alias: 'new_alias' })
    await kms.disableKey('kid-1')
    await kms.archiveKey('kid-1')
    await kms.rotateKey('kid-1')
    expect(await kms.getParametersForImport({ keyId: 'kid-1', wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })).toEqual({
      keyId: 'kid-1',
      importToken: 'tok',
      publicKey: 'UEs=',
      parametersValidTo: 1700086400,
    })
    expect(lastBody('GetParametersForImport')).toEqual({
      KeyId: 'kid-1',
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })
    await kms.importKeyMaterial({
      keyId: 'kid-1',
      importToken: 'tok',
      encryptedKeyMaterial: Buffer.alloc(256, 1),
      validTo: 1800000000,
    })
    expect(lastBody('ImportKeyMaterial')).toEqual({
      KeyId: 'kid-1',
      ImportToken: 'tok',
      EncryptedKeyMaterial: Buffer.alloc(256, 1).toString('base64'),
      ValidTo: 1800000000,
    })
    expect(Buffer.from(await kms.generateRandom(8)).equals(Buffer.alloc(8, 1))).toBe(true)
    expect((await kms.getPublicKey('kid-1')).publicKeyPem).toContain('BEGIN PUBLIC KEY')
    for (const a of ['DisableKey', 'ArchiveKey', 'RotateKey']) expect(lastBody(a)).toEqual({ KeyId: 'kid-1' })
  })
})
