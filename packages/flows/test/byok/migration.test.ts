import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, MemoryKeyStore, type CreateKeyRequest, type KeyMetadata } from '@keyward/core'
import { KeyMigration, KeyWrapperMaterialSource } from '@keyward/flows/byok'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

function software(name: string): SoftwareKeyProvider {
  return new SoftwareKeyProvider({ name, store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
}

/** The software provider's export, plugged in as a material source. */
function exportOf(source: SoftwareKeyProvider, keyId: string): KeyWrapperMaterialSource {
  return new KeyWrapperMaterialSource(`${source.name} export of ${keyId}`, (t, opts) =>
    source.exportWrappedKeyMaterial(keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, opts),
  )
}

describe('key migration software → software through the wrapped path', () => {
  const a = software('software-a')
  const b = software('software-b')
  afterAll(async () => {
    await a.close()
    await b.close()
  })

  async function exportableKey(req: Partial<CreateKeyRequest> = {}): Promise<KeyMetadata> {
    return a.createKey({ alias: `mig-${randomBytes(4).toString('hex')}`, ...req, exportable: true } as CreateKeyRequest)
  }

  for (const keySpec of ['AES_256', 'SM4'] as const) {
    it(`${keySpec}: old Encrypt and GenerateDataKey blobs of A decrypt in B after the move`, async () => {
      const key = await exportableKey({ keySpec })
      const ctx = { tenant: 't-1' }
      const old = await a.encrypt({
        keyId: key.keyId,
        plaintext: Buffer.from('made before the move'),
        encryptionContext: ctx,
      })
      const dk = await a.generateDataKey({ keyId: key.keyId, keySpec: 'AES_256' })
      const dkPlain = Buffer.from(dk.plaintext)
      dk.dispose()

      const record = await new KeyMigration(a, b).migrate(key.keyId, {
        material: exportOf(a, key.keyId),
        wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      })
      expect(record).toMatchObject({ keyId: key.keyId, sourceProvider: 'software-a', targetProvider: 'software-b' })

      const moved = await b.describeKey(key.keyId)
      expect(moved).toMatchObject({
        keyId: key.keyId,
        alias: key.alias,
        origin: 'EXTERNAL',
        keyState: 'Enabled',
        keySpec,
      })
      expect(
        Buffer.from(
          (await b.decrypt({ ciphertextBlob: old.ciphertextBlob, encryptionContext: ctx })).plaintext,
        ).toString(),
      ).toBe('made before the move')
      expect(Buffer.from((await b.decrypt({ ciphertextBlob: dk.ciphertextBlob })).plaintext)).toEqual(dkPlain)
      // and the context binding survived the move
      expect(await codeOf(() => b.decrypt({ ciphertextBlob: old.ciphertextBlob }))).toBe(
        'InvalidParameterValue.InvalidCiphertext',
      )
      // new ciphertexts of B decrypt in A too: same KeyId, same material, same blob format
      const fresh = await b.encrypt({ keyId: key.keyId, plaintext: Buffer.from('after') })
      expect(Buffer.from((await a.decrypt({ ciphertextBlob: fresh.ciphertextBlob })).plaintext).toString()).toBe(
        'after',
      )
    })
  }

  it('a key that was not created exportable stays put, and nothing is left half-made in the target', async () => {
    const key = await a.createKey({ alias: 'mig-locked' })
    const code = await codeOf(() => new KeyMigration(a, b).migrate(key.keyId, { material: exportOf(a, key.keyId) }))
    expect(code).toBe('UnsupportedOperation')
    const left = await b.describeKey(key.keyId).catch(() => undefined)
    expect(left === undefined || left.keyState === 'PendingImport').toBe(true)
  })

  it('an interrupted migration (the source failed mid-way) resumes on the next call', async () => {
    const key = await exportableKey()
    const old = await a.encrypt({ keyId: key.keyId, plaintext: Buffer.from('resume me') })
    const flaky = new KeyWrapperMaterialSource('flaky link', async () => {
      throw new KeywardError('FailedOperation.NetworkError', 'link down')
    })
    expect(await codeOf(() => new KeyMigration(a, b).migrate(key.keyId, { material: flaky }))).toBe(
      'FailedOperation.NetworkError',
    )
    expect((await b.describeKey(key.keyId)).keyState).toBe('PendingImport')
    await new KeyMigration(a, b).migrate(key.keyId, { material: exportOf(a, key.keyId) })
    expect(Buffer.from((await b.decrypt({ ciphertextBlob: old.ciphertextBlob })).plaintext).toString()).toBe(
      'resume me',
    )
    // a second run over a finished migration is a conflict, not a silent overwrite
    expect(await codeOf(() => new KeyMigration(a, b).migrate(key.keyId, { material: exportOf(a, key.keyId) }))).toBe(
      'InvalidParameterValue',
    )
  })

  it('a rotated key is refused: only one version can be imported, older blobs would not decrypt', async () => {
    const key = await exportableKey()
    await a.rotateKey(key.keyId)
    expect(await codeOf(() => new KeyMigration(a, b).migrate(key.keyId, { material: exportOf(a, key.keyId) }))).toBe(
      'UnsupportedOperation',
    )
    expect(await codeOf(() => b.describeKey(key.keyId))).toBe('ResourceUnavailable.CmkNotFound')
  })

  it('asymmetric keys and bad arguments are refused', async () => {
    const rsa = await a.createKey({ alias: 'mig-rsa', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    expect(await codeOf(() => new KeyMigration(a, b).migrate(rsa.keyId, { material: exportOf(a, rsa.keyId) }))).toBe(
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
    expect(await codeOf(() => new KeyMigration(a, b).migrate('bad id', { material: exportOf(a, rsa.keyId) }))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
    expect(await codeOf(() => new KeyMigration(a, b).migrate(rsa.keyId, {} as never))).toBe('MissingParameter')
    expect(await codeOf(() => new KeyMigration(a, a))).toBe('InvalidParameterValue')
  })

  it('material that is not the source key (a wrong source) is caught by the canary and the target key disabled', async () => {
    const key = await exportableKey()
    const other = await exportableKey()
    const record = new KeyMigration(a, b).migrate(key.keyId, { material: exportOf(a, other.keyId) })
    expect(await codeOf(() => record)).toBe('InternalError')
    expect((await b.describeKey(key.keyId)).keyState).toBe('Disabled')
  })
})

describe('migration keeps the KeyId: a provider that ignores CreateKeyRequest.keyId is refused', () => {
  let target: SoftwareKeyProvider
  beforeAll(() => {
    target = software('ignores-key-id')
  })
  afterAll(() => target.close())

  it('detects a target that made up its own KeyId', async () => {
    const source = software('src')
    const key = await source.createKey({ alias: 'mig-x', exportable: true } as CreateKeyRequest)
    const forgetful = new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'createKey')
          return (req: CreateKeyRequest) => t.createKey({ ...req, keyId: undefined } as CreateKeyRequest)
        const v = Reflect.get(t, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(t) : v
      },
    })
    expect(
      await codeOf(() =>
        new KeyMigration(source, forgetful).migrate(key.keyId, { material: exportOf(source, key.keyId) }),
      ),
    ).toBe('UnsupportedOperation')
    await source.close()
  })
})
