/**
 * The cross-provider matrix with every backend available here: the software provider, SoftHSM2 through
 * Pkcs11KeyProvider, and `keyward serve` reached through TencentKmsKeyProvider (the real Tencent SDK).
 * - Data encrypted to the public key of a key in provider X decrypts in X; signatures made in X verify locally.
 * - A key migrated from X to Y decrypts X's old Encrypt blobs and envelope messages in Y: software ⇄ HSM, and
 *   software → keyward serve and HSM → keyward serve (the "swap to an on-prem KMS" story, through the SDK). A target
 *   that cannot take a chosen KeyId (as real Tencent KMS) makes the migration fail cleanly.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, MemoryKeyStore, type CallOptions, type CreateKeyRequest, type KeyProvider } from '@keyward/core'
import { AsymmetricDecryptor, encryptWithPublicKey, maxAsymmetricPlaintextBytes } from '@keyward/flows/asymmetric'
import {
  BytesMaterialSource,
  ByokImport,
  KeyMigration,
  KeyWrapperMaterialSource,
  RandomMaterialSource,
  wrapKeyMaterial,
} from '@keyward/flows/byok'
import { EnvelopeClient, ProviderMasterKey } from '@keyward/flows/envelope'
import { SignatureFlow } from '@keyward/flows/signature'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { startServer, type RunningServer } from '@keyward/server'
import { codeOf, tempDir } from '@keyward/test-support'
import { createSoftHsmToken } from '../../../../test/support/softhsm.js'

// SOFTHSM2_CONF must name the throwaway token before the module loads: one token for this file's process.
const token = createSoftHsmToken()
const tmp = tempDir('kw-flows-matrix-')

let software: SoftwareKeyProvider
let hsm: Pkcs11KeyProvider
let serveBackend: SoftwareKeyProvider
let server: RunningServer
let kms: TencentKmsKeyProvider
/** Providers made by chosenKeyIdTarget, closed at the end. */
const targets: SoftwareKeyProvider[] = []

beforeAll(async () => {
  software = new SoftwareKeyProvider({
    name: 'software',
    store: new MemoryKeyStore(),
    rootKey: RootKey.fromBytes(randomBytes(32)),
  })
  hsm = new Pkcs11KeyProvider({
    modulePath: token.modulePath,
    tokenLabel: token.label,
    pin: token.pin,
    store: new MemoryKeyStore(),
  })
  serveBackend = new SoftwareKeyProvider({
    name: 'serve-backend',
    store: new MemoryKeyStore(),
    rootKey: RootKey.fromBytes(randomBytes(32)),
  })
  const credentials = {
    secretId: `AKID${randomBytes(12).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
  }
  server = await startServer({
    provider: serveBackend,
    store: { sqlite: join(tmp.dir, 'server.db') },
    rootKey: randomBytes(32),
    bootstrap: credentials,
    rateLimits: { default: 0 },
  })
  kms = new TencentKmsKeyProvider({
    region: 'ap-guangzhou',
    endpoint: `${server.host}:${server.port}`,
    protocol: 'http',
    credentials,
    symmetricKeySpecs: ['AES_256', 'SM4'],
  })
})
afterAll(async () => {
  for (const t of targets) await t.close()
  await kms?.close()
  await server?.close()
  await serveBackend?.close()
  await hsm?.close()
  await software?.close()
  token.remove()
  tmp.remove()
})

const alias = (p: string) => `${p}-${randomBytes(4).toString('hex')}`
const ASYM_USAGE = {
  RSAES_OAEP_SHA_1: 'ASYMMETRIC_DECRYPT_RSA_2048',
  RSAES_OAEP_SHA_256: 'ASYMMETRIC_DECRYPT_RSA_2048',
  SM2: 'ASYMMETRIC_DECRYPT_SM2',
} as const
const SIGN_USAGE = {
  RSA_PSS_SHA_256: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
  RSA_PKCS1_SHA_256: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048',
  ECC_P256_R1: 'ASYMMETRIC_SIGN_VERIFY_ECC',
  SM2DSA: 'ASYMMETRIC_SIGN_VERIFY_SM2',
} as const

describe.each([
  ['software', () => software as KeyProvider],
  ['pkcs11 (SoftHSM2)', () => hsm as KeyProvider],
  ['keyward serve via the Tencent SDK', () => kms as KeyProvider],
])('%s', (_name, get) => {
  it('decrypts what the asymmetric flow encrypted to its public keys, for every algorithm it declares', async () => {
    const p = get()
    expect(p.capabilities.asymmetricDecryptAlgorithms.length).toBeGreaterThan(0)
    for (const algorithm of p.capabilities.asymmetricDecryptAlgorithms) {
      const { keyId } = await p.createKey({ alias: alias('asym'), keyUsage: ASYM_USAGE[algorithm] })
      const plaintext = randomBytes(maxAsymmetricPlaintextBytes(algorithm))
      const ciphertext = encryptWithPublicKey(await p.getPublicKey(keyId), algorithm, plaintext)
      expect(Buffer.from(await new AsymmetricDecryptor(p).decrypt(keyId, algorithm, ciphertext)), algorithm).toEqual(
        plaintext,
      )
    }
  })

  it('signs long and short messages that verify locally and in the provider, for every algorithm it declares', async () => {
    const p = get()
    const flow = new SignatureFlow(p)
    for (const algorithm of p.capabilities.signAlgorithms) {
      const { keyId } = await p.createKey({ alias: alias('sig'), keyUsage: SIGN_USAGE[algorithm] })
      for (const message of [randomBytes(100), randomBytes(5000)]) {
        const { signature, messageType } = await flow.sign({ keyId, algorithm, message })
        expect(messageType).toBe(message.length > 4096 ? 'DIGEST' : 'RAW')
        expect(await flow.verify({ keyId, algorithm, message, signature, local: true }), `${algorithm} local`).toBe(
          true,
        )
        expect(await flow.verify({ keyId, algorithm, message, signature }), `${algorithm} provider`).toBe(true)
      }
    }
  })

  it('BYOK: the import flow makes a working EXTERNAL key with every wrapping algorithm it declares', async () => {
    const p = get()
    for (const wrappingAlgorithm of p.capabilities.wrappingAlgorithms) {
      const key = await new ByokImport(p).createAndImport({
        alias: alias('byok'),
        wrappingAlgorithm,
        source: new RandomMaterialSource(p),
      })
      expect(key.keyState, wrappingAlgorithm).toBe('Enabled')
      const { ciphertextBlob } = await p.encrypt({ keyId: key.keyId, plaintext: Buffer.from('byok') })
      expect(Buffer.from((await p.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('byok')
    }
  })
})

describe.each([
  ['pkcs11 (SoftHSM2)', () => hsm as KeyProvider],
  ['keyward serve via the Tencent SDK', () => kms as KeyProvider],
])('BYOK bad input on %s: clear codes, key state unchanged', (_name, get) => {
  async function pending(p: KeyProvider): Promise<string> {
    return (await p.createKey({ alias: alias('bad'), type: 2 })).keyId
  }
  async function expectUnchanged(p: KeyProvider, keyId: string): Promise<void> {
    // keyState only: Tencent's DescribeKey has no version count to compare.
    expect((await p.describeKey(keyId)).keyState).toBe('PendingImport')
  }

  it('material wrapped with another algorithm than the token', async () => {
    const p = get()
    const [tokenAlg, otherAlg] = p.capabilities.wrappingAlgorithms
    expect(otherAlg).toBeDefined()
    const keyId = await pending(p)
    const params = await p.getParametersForImport({ keyId, wrappingAlgorithm: tokenAlg! })
    const wrong = wrapKeyMaterial(params.publicKey, otherAlg!, randomBytes(32))
    expect(
      await codeOf(() => p.importKeyMaterial({ keyId, importToken: params.importToken, encryptedKeyMaterial: wrong })),
    ).toBe('InvalidParameter.DecryptMaterialError')
    await expectUnchanged(p, keyId)
  })

  it('truncated wrapped material and material of the wrong length', async () => {
    const p = get()
    const alg = p.capabilities.wrappingAlgorithms[0]!
    const keyId = await pending(p)
    const params = await p.getParametersForImport({ keyId, wrappingAlgorithm: alg })
    const wrapped = wrapKeyMaterial(params.publicKey, alg, randomBytes(32))
    expect(
      await codeOf(() =>
        p.importKeyMaterial({ keyId, importToken: params.importToken, encryptedKeyMaterial: wrapped.subarray(0, 255) }),
      ),
    ).toBe('InvalidParameter.DecryptMaterialError')
    // Providers differ here (software: DecryptMaterialError, PKCS#11: InvalidParameterValue); both name the problem.
    const short = wrapKeyMaterial(params.publicKey, alg, randomBytes(16))
    expect(['InvalidParameter.DecryptMaterialError', 'InvalidParameterValue']).toContain(
      await codeOf(() => p.importKeyMaterial({ keyId, importToken: params.importToken, encryptedKeyMaterial: short })),
    )
    expect(
      await codeOf(() =>
        new ByokImport(p).importInto(keyId, {
          source: new BytesMaterialSource(randomBytes(24)),
          wrappingAlgorithm: alg,
        }),
      ),
    ).toBe('InvalidParameterValue')
    await expectUnchanged(p, keyId)
  })

  it('a token of another key, and a superseded token', async () => {
    const p = get()
    const alg = p.capabilities.wrappingAlgorithms[0]!
    const a = await pending(p)
    const b = await pending(p)
    const pa = await p.getParametersForImport({ keyId: a, wrappingAlgorithm: alg })
    await p.getParametersForImport({ keyId: b, wrappingAlgorithm: alg })
    const wrapped = wrapKeyMaterial(pa.publicKey, alg, randomBytes(32))
    expect(
      await codeOf(() => p.importKeyMaterial({ keyId: b, importToken: pa.importToken, encryptedKeyMaterial: wrapped })),
    ).toMatch(/^(InvalidParameter|ResourceUnavailable.TokenExpired)/)
    await p.getParametersForImport({ keyId: a, wrappingAlgorithm: alg })
    expect(
      await codeOf(() => p.importKeyMaterial({ keyId: a, importToken: pa.importToken, encryptedKeyMaterial: wrapped })),
    ).toBe('ResourceUnavailable.TokenExpired')
    await expectUnchanged(p, a)
    await expectUnchanged(p, b)
  })
})

describe('BYOK with the material inside the HSM', () => {
  it('a fresh EXTERNAL software key takes material wrapped by C_WrapKey, never plaintext on the host', async () => {
    const held = await hsm.createKey({ alias: alias('held'), extractable: true } as Parameters<
      Pkcs11KeyProvider['createKey']
    >[0])
    const source = new KeyWrapperMaterialSource('HSM C_WrapKey', (t) =>
      hsm.wrapKeyMaterialFor(held.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm),
    )
    const key = await new ByokImport(software).createAndImport({
      alias: alias('from-hsm'),
      wrappingAlgorithm: 'RSAES_PKCS1_V1_5',
      source,
    })
    expect(key.keyState).toBe('Enabled')
    const { ciphertextBlob } = await software.encrypt({ keyId: key.keyId, plaintext: Buffer.from('hsm material') })
    expect(Buffer.from((await software.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('hsm material')
  })
})

/** Old data made under `keyId` in `from`: an Encrypt blob and an envelope message. */
async function oldData(from: KeyProvider, keyId: string) {
  const blob = await from.encrypt({ keyId, plaintext: Buffer.from('old blob'), encryptionContext: { v: '1' } })
  const client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: from, keyId }) })
  const message = await client.encrypt(Buffer.from('old envelope'), { encryptionContext: { v: '1' } })
  return { blob: blob.ciphertextBlob, message, providerName: from.name }
}

async function expectReadable(to: KeyProvider, keyId: string, old: Awaited<ReturnType<typeof oldData>>): Promise<void> {
  expect(
    Buffer.from((await to.decrypt({ ciphertextBlob: old.blob, encryptionContext: { v: '1' } })).plaintext).toString(),
  ).toBe('old blob')
  // Envelope messages name the provider that wrapped their data key: the new holder answers to that name.
  const client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: to, keyId, name: old.providerName }) })
  expect(Buffer.from((await client.decrypt(old.message, { encryptionContext: { v: '1' } })).plaintext).toString()).toBe(
    'old envelope',
  )
}

describe('migration between providers through the wrapped path', () => {
  it('software → HSM: old blobs and envelopes of the software key decrypt in the HSM', async () => {
    const key = await software.createKey({ alias: alias('sw2hsm'), exportable: true } as Parameters<
      SoftwareKeyProvider['createKey']
    >[0])
    const old = await oldData(software, key.keyId)
    const material = new KeyWrapperMaterialSource('software export', (t, o) =>
      software.exportWrappedKeyMaterial(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, o),
    )
    await new KeyMigration(software, hsm).migrate(key.keyId, { material, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    await expectReadable(hsm, key.keyId, old)
  })

  it('HSM → software with C_WrapKey (the material never leaves the token unwrapped)', async () => {
    const key = await hsm.createKey({ alias: alias('hsm2sw'), extractable: true } as Parameters<
      Pkcs11KeyProvider['createKey']
    >[0])
    const old = await oldData(hsm, key.keyId)
    const material = new KeyWrapperMaterialSource('HSM C_WrapKey', (t) =>
      hsm.wrapKeyMaterialFor(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm),
    )
    await new KeyMigration(hsm, software).migrate(key.keyId, { material, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    await expectReadable(software, key.keyId, old)
  })

  it('a non-extractable HSM key cannot be migrated (the token refuses C_WrapKey)', async () => {
    const key = await hsm.createKey({ alias: alias('locked') })
    const material = new KeyWrapperMaterialSource('HSM C_WrapKey', (t) =>
      hsm.wrapKeyMaterialFor(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm),
    )
    expect(
      await codeOf(() =>
        new KeyMigration(hsm, software).migrate(key.keyId, { material, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' }),
      ),
    ).toBe('UnsupportedOperation')
  })

  it('software → keyward serve: old blobs and envelopes of the software key decrypt through the server', async () => {
    const key = await software.createKey({ alias: alias('sw2serve'), exportable: true } as Parameters<
      SoftwareKeyProvider['createKey']
    >[0])
    const old = await oldData(software, key.keyId)
    const material = new KeyWrapperMaterialSource('software export', (t, o) =>
      software.exportWrappedKeyMaterial(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, o),
    )
    const record = await new KeyMigration(software, kms).migrate(key.keyId, { material })
    expect(record).toMatchObject({ keyId: key.keyId, sourceProvider: software.name, targetProvider: kms.name })
    expect(await kms.describeKey(key.keyId)).toMatchObject({
      keyId: key.keyId,
      alias: key.alias,
      origin: 'EXTERNAL',
      keyState: 'Enabled',
    })
    await expectReadable(kms, key.keyId, old)
    // The server's copy is a working key, not only a decryptor: new data round-trips too.
    const fresh = await kms.encrypt({ keyId: key.keyId, plaintext: Buffer.from('after the move') })
    expect(Buffer.from((await kms.decrypt({ ciphertextBlob: fresh.ciphertextBlob })).plaintext).toString()).toBe(
      'after the move',
    )
  })

  it('HSM (extractable) → keyward serve with C_WrapKey: old blobs and envelopes decrypt through the server', async () => {
    const key = await hsm.createKey({ alias: alias('hsm2serve'), extractable: true } as Parameters<
      Pkcs11KeyProvider['createKey']
    >[0])
    const old = await oldData(hsm, key.keyId)
    const material = new KeyWrapperMaterialSource('HSM C_WrapKey', (t) =>
      hsm.wrapKeyMaterialFor(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm),
    )
    await new KeyMigration(hsm, kms).migrate(key.keyId, { material, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    await expectReadable(kms, key.keyId, old)
  })

  it('into keyward serve, a KeyId another account already holds is refused and nothing is created for the caller', async () => {
    const key = await software.createKey({ alias: alias('taken'), exportable: true } as Parameters<
      SoftwareKeyProvider['createKey']
    >[0])
    const material = new KeyWrapperMaterialSource('software export', (t, o) =>
      software.exportWrappedKeyMaterial(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, o),
    )
    const other = await server.createAccount({ name: `other-${randomBytes(4).toString('hex')}` })
    const otherKms = new TencentKmsKeyProvider({
      region: 'ap-guangzhou',
      endpoint: `${server.host}:${server.port}`,
      protocol: 'http',
      credentials: { secretId: other.secretId, secretKey: other.secretKey },
    })
    try {
      await new KeyMigration(software, otherKms).migrate(key.keyId, { material })
      // The KeyId is now the other account's: to this caller it does not exist, and it cannot be taken over.
      expect(await codeOf(() => kms.describeKey(key.keyId))).toBe('ResourceUnavailable.CmkNotFound')
      expect(await codeOf(() => new KeyMigration(software, kms).migrate(key.keyId, { material }))).toBe(
        'InvalidParameterValue',
      )
      expect((await kms.listKeys({ searchKeyAlias: key.alias })).keys).toHaveLength(0)
    } finally {
      await otherKms.close()
    }
  })

  it('into a target that refuses a chosen KeyId (as real Tencent KMS): UnsupportedOperation, nothing left behind', async () => {
    const target = chosenKeyIdTarget('refuse')
    const key = await software.createKey({ alias: alias('sw2tc'), exportable: true } as Parameters<
      SoftwareKeyProvider['createKey']
    >[0])
    const material = new KeyWrapperMaterialSource('software export', (t, o) =>
      software.exportWrappedKeyMaterial(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, o),
    )
    expect(await codeOf(() => new KeyMigration(software, target).migrate(key.keyId, { material }))).toBe(
      'UnsupportedOperation',
    )
    expect((await target.listKeys({ searchKeyAlias: key.alias })).keys).toHaveLength(0)
  })

  it('into a target that ignores a chosen KeyId and assigns its own: refused, and the stray key is scheduled for deletion', async () => {
    const target = chosenKeyIdTarget('ignore')
    const key = await software.createKey({ alias: alias('sw2odd'), exportable: true } as Parameters<
      SoftwareKeyProvider['createKey']
    >[0])
    const material = new KeyWrapperMaterialSource('software export', (t, o) =>
      software.exportWrappedKeyMaterial(key.keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm, o),
    )
    expect(await codeOf(() => new KeyMigration(software, target).migrate(key.keyId, { material }))).toBe(
      'UnsupportedOperation',
    )
    const stray = (await target.listKeys({ searchKeyAlias: key.alias })).keys
    expect(stray).toHaveLength(1)
    expect(stray[0]!.keyId).not.toBe(key.keyId)
    expect(stray[0]!.keyState).toBe('PendingDelete')
  })
})

/**
 * A real software provider (its own store and root key) whose createKey does not honour a chosen KeyId: `refuse`
 * throws as real Tencent KMS now does, `ignore` makes a key under a KeyId of its own. Only createKey differs.
 */
function chosenKeyIdTarget(mode: 'refuse' | 'ignore'): KeyProvider {
  const inner = new SoftwareKeyProvider({
    name: `${mode}-keyid-target`,
    store: new MemoryKeyStore(),
    rootKey: RootKey.fromBytes(randomBytes(32)),
  })
  targets.push(inner)
  const createKey = async (req: CreateKeyRequest, opts?: CallOptions) => {
    if (req.keyId === undefined) return inner.createKey(req, opts)
    if (mode === 'refuse') throw new KeywardError('UnsupportedOperation', 'This target does not accept a chosen KeyId.')
    const { keyId: _ignored, ...rest } = req
    return inner.createKey(rest, opts)
  }
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'createKey') return createKey
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  }) as KeyProvider
}
