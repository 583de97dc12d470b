import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ENVELOPE_SUITES,
  MemoryKeyStore,
  processCompliance,
  withCompliance,
  type KeyProvider,
  type LegacyDecryptEvent,
} from '@keyward/core'
import {
  AsymmetricMasterKey,
  EnvelopeClient,
  LegacyFaceIdCodec,
  ProviderMasterKey,
  RawAesMasterKey,
  SUITE_NAMES,
  ecdsaP256HeaderSigner,
  providerHeaderSigner,
} from '@keyward/flows/envelope'
import { BlindIndex, IndexKey, normalizeMobileCN } from '@keyward/flows/searchable'
import { SignatureFlow } from '@keyward/flows/signature'
import { SensitiveData } from '@keyward/flows/sensitive'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

// Every flow over a provider bound to a compliance profile (withCompliance, as the container binds it). No
// process-wide profile is set in this file: the profile travels with the provider.

const REFUSED = 'UnsupportedOperation.ComplianceProfile'

/** Counts the provider calls a flow makes, to show refusals come before any key is used. */
function counting(p: KeyProvider): { provider: KeyProvider; calls: string[] } {
  const calls: string[] = []
  const provider = new Proxy(p, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function' || prop === 'close') return v
      return (...args: unknown[]) => {
        calls.push(String(prop))
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { provider, calls }
}

describe('flows over a provider bound to a compliance profile', () => {
  let raw: SoftwareKeyProvider
  beforeEach(() => {
    raw = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  })
  afterEach(() => raw.close())

  it("the suite names of core's profile table are the envelope's", () => {
    expect([...ENVELOPE_SUITES]).toEqual([...SUITE_NAMES])
    expect(processCompliance()).toBe('none')
  })

  it('gm envelope: SM4_GCM_HKDF_SM3_COMMIT by default; an AES suite is refused, whatever the options say', async () => {
    const gm = withCompliance(raw, 'gm')
    const keyId = (await gm.createKey({ alias: 'cmk' })).keyId
    const mk = new ProviderMasterKey({ provider: gm, keyId })
    const client = new EnvelopeClient({ keyring: mk })
    expect(client.suite.name).toBe('SM4_GCM_HKDF_SM3_COMMIT')
    expect([...client.allowedSuites]).toEqual(['SM4_GCM_HKDF_SM3_COMMIT'])
    const m = await client.encrypt(Buffer.from('国密'))
    expect(m.readUInt16BE(4)).toBe(0x0002)
    expect((await client.decrypt(m)).plaintext.toString()).toBe('国密')
    expect(
      await codeOf(() => new EnvelopeClient({ keyring: mk, suite: 'AES_256_GCM_HKDF_SHA256_COMMIT' }), {
        withMessage: true,
      }),
    ).toMatch(
      /^UnsupportedOperation.ComplianceProfile: The gm compliance profile .* envelope suite AES_256_GCM_HKDF_SHA256_COMMIT .*: use SM4_GCM_HKDF_SM3_COMMIT/,
    )
    // A wider allowedSuites, or a client option of none, cannot loosen the provider's profile.
    const wide = new EnvelopeClient({ keyring: mk, allowedSuites: [...SUITE_NAMES], compliance: 'none' })
    expect([...wide.allowedSuites]).toEqual(['SM4_GCM_HKDF_SM3_COMMIT'])
    expect(
      await codeOf(() => new EnvelopeClient({ keyring: mk, allowedSuites: ['AES_256_GCM_HKDF_SHA256_COMMIT'] })),
    ).toBe(REFUSED)
  })

  it('gm envelope: a message made with AES before the profile is refused with the stable code before any key is called; allowLegacyDecrypt reads it and audits it', async () => {
    const oldKey = (await raw.createKey({ alias: 'old' })).keyId
    const old = await new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: raw, keyId: oldKey }) }).encrypt(
      Buffer.from('legacy'),
    )
    const { provider, calls } = counting(withCompliance(raw, 'gm'))
    const strict = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider, keyId: oldKey }) })
    expect(await codeOf(strict.decrypt(old), { withMessage: true })).toMatch(
      /^UnsupportedOperation.ComplianceProfile: .*envelope suite AES_256_GCM_HKDF_SHA256_COMMIT \(decrypting an envelope message\)/,
    )
    expect(calls).toEqual([])
    // Per call, allowedSuites can only narrow: naming AES does not widen the profile.
    expect(await codeOf(strict.decrypt(old, { allowedSuites: ['AES_256_GCM_HKDF_SHA256_COMMIT'] }))).not.toBe(
      'no error',
    )
    const events: LegacyDecryptEvent[] = []
    const migrating = withCompliance(raw, 'gm', {
      allowLegacyDecrypt: true,
      onLegacyDecrypt: (e) => void events.push(e),
    })
    const reader = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: migrating, keyId: oldKey }) })
    expect(reader.suite.name).toBe('SM4_GCM_HKDF_SM3_COMMIT')
    expect((await reader.decrypt(old)).plaintext.toString()).toBe('legacy')
    expect(events.map((e) => [e.action, e.algorithm])).toEqual([
      ['EnvelopeDecrypt', 'AES_256_GCM_HKDF_SHA256_COMMIT'],
      ['Decrypt', 'AES-256-GCM'],
    ])
    // Writing stays gm: the legacy key cannot take new data.
    expect(await codeOf(reader.encrypt(Buffer.from('new')))).toBe(REFUSED)
  })

  it('gm envelope: ECDSA header signatures are refused, on writing and on reading; SM2 ones work', async () => {
    const gm = withCompliance(raw, 'gm')
    const keyId = (await gm.createKey({ alias: 'cmk' })).keyId
    const mk = new ProviderMasterKey({ provider: gm, keyId })
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(await codeOf(() => new EnvelopeClient({ keyring: mk, signer: ecdsaP256HeaderSigner(privateKey) }))).toBe(
      REFUSED,
    )
    const ecc = (await raw.createKey({ alias: 'ecc', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })).keyId
    expect(await codeOf(providerHeaderSigner(gm, ecc, 'ECC_P256_R1'))).toBe(REFUSED)
    // A message signed with ECDSA (made without the profile, SM4 inside) is refused before its signature is checked.
    const ecdsaSigned = await new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: raw, keyId }),
      suite: 'SM4_GCM_HKDF_SM3_COMMIT',
      signer: ecdsaP256HeaderSigner(privateKey),
    }).encrypt(Buffer.from('x'))
    expect(
      await codeOf(new EnvelopeClient({ keyring: mk, requireSignature: false }).decrypt(ecdsaSigned), {
        withMessage: true,
      }),
    ).toMatch(/signature algorithm ECC_P256_R1 \(an envelope message's header signature\)/)
    const sm2 = (await gm.createKey({ alias: 'sm2', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })).keyId
    const signer = await providerHeaderSigner(gm, sm2, 'SM2DSA')
    const signing = new EnvelopeClient({ keyring: mk, signer })
    expect((await signing.decrypt(await signing.encrypt(Buffer.from('signed')))).info.signer?.algorithm).toBe('SM2DSA')
  })

  it('gm envelope: local AES and RSA master keys are refused (they wrap outside the provider)', async () => {
    const gm = withCompliance(raw, 'gm')
    const keyId = (await gm.createKey({ alias: 'cmk' })).keyId
    const local = new RawAesMasterKey({ namespace: 'backup', keyId: 'offline', key: randomBytes(32) })
    expect(
      await codeOf(() => new EnvelopeClient({ keyring: [new ProviderMasterKey({ provider: gm, keyId }), local] })),
    ).toBe(REFUSED)
    expect(await codeOf(() => new EnvelopeClient({ keyring: local, compliance: 'gm' }))).toBe(REFUSED)
    const rsa = (await raw.createKey({ alias: 'rsa', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })).keyId
    expect(
      await codeOf(() => new EnvelopeClient({ keyring: new AsymmetricMasterKey({ provider: gm, keyId: rsa }) })),
    ).toBe(REFUSED)
  })

  it('fips envelope: AES by default, SM4 refused both ways', async () => {
    const fips = withCompliance(raw, 'fips')
    const keyId = (await fips.createKey({ alias: 'cmk' })).keyId
    const mk = new ProviderMasterKey({ provider: fips, keyId })
    expect(new EnvelopeClient({ keyring: mk }).suite.name).toBe('AES_256_GCM_HKDF_SHA256_COMMIT')
    expect(await codeOf(() => new EnvelopeClient({ keyring: mk, suite: 'SM4_GCM_HKDF_SM3_COMMIT' }))).toBe(REFUSED)
    const sm4Message = await new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: raw, keyId }),
      suite: 'SM4_GCM_HKDF_SM3_COMMIT',
    }).encrypt(Buffer.from('x'))
    expect(await codeOf(new EnvelopeClient({ keyring: mk }).decrypt(sm4Message))).toBe(REFUSED)
  })

  it('signatures: RSA and ECDSA refused under gm, SM2 under fips, in the provider and locally', async () => {
    const rsa = (await raw.createKey({ alias: 'rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })).keyId
    const sm2 = (await raw.createKey({ alias: 'sm2', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })).keyId
    const signature = (
      await new SignatureFlow(raw).sign({ keyId: rsa, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('m') })
    ).signature
    const gmFlow = new SignatureFlow(withCompliance(raw, 'gm'))
    expect(await codeOf(gmFlow.sign({ keyId: rsa, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('m') }))).toBe(
      REFUSED,
    )
    expect(
      await codeOf(
        gmFlow.verify({ keyId: rsa, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('m'), signature, local: true }),
      ),
    ).toBe(REFUSED)
    const sm2Sig = await gmFlow.sign({ keyId: sm2, algorithm: 'SM2DSA', message: randomBytes(10_000) })
    expect(sm2Sig.messageType).toBe('DIGEST')
    const fipsFlow = new SignatureFlow(withCompliance(raw, 'fips'))
    expect(await codeOf(fipsFlow.sign({ keyId: sm2, algorithm: 'SM2DSA', message: Buffer.from('m') }))).toBe(REFUSED)
    expect(
      await fipsFlow.verify({
        keyId: rsa,
        algorithm: 'RSA_PSS_SHA_256',
        message: Buffer.from('m'),
        signature,
        local: true,
      }),
    ).toBe(true)
  })

  it('blind indexes: SM3 by default under gm and HMAC-SHA-256 refused; under fips the reverse', async () => {
    const gm = withCompliance(raw, 'gm')
    const cmk = (await gm.createKey({ alias: 'idx' })).keyId
    const key = new IndexKey({ provider: gm, ...(await IndexKey.generate(gm, cmk)) })
    const phone = await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: 14,
    })
    expect(phone.hash).toBe('SM3')
    expect(
      await codeOf(
        BlindIndex.create({
          key,
          table: 'customers',
          field: 'phone',
          normalize: normalizeMobileCN,
          bits: 14,
          hash: 'SHA-256',
        }),
        { withMessage: true },
      ),
    ).toMatch(/gm compliance profile .* hash SHA-256 \(blind index customers.phone\): use SM3/)
    const fips = withCompliance(raw, 'fips')
    const aes = (await fips.createKey({ alias: 'idx2' })).keyId
    const fkey = new IndexKey({ provider: fips, ...(await IndexKey.generate(fips, aes)) })
    expect(
      (await BlindIndex.create({ key: fkey, table: 't', field: 'f', normalize: normalizeMobileCN, bits: 14 })).hash,
    ).toBe('SHA-256')
    expect(
      await codeOf(
        BlindIndex.create({ key: fkey, table: 't', field: 'f', normalize: normalizeMobileCN, bits: 14, hash: 'SM3' }),
      ),
    ).toBe(REFUSED)
    key.close()
    fkey.close()
  })

  it('sensitive data and the legacy FaceID codec: an old AES key and ECB are refused under gm and fips', async () => {
    const aes = (await raw.createKey({ alias: 'old' })).keyId
    const gm = withCompliance(raw, 'gm')
    expect(await codeOf(new SensitiveData(gm).encrypt(aes, Buffer.from('card')))).toBe(REFUSED)
    for (const profile of ['gm', 'fips'] as const) {
      expect(await codeOf(() => new LegacyFaceIdCodec({ provider: withCompliance(raw, profile), keyId: aes }))).toBe(
        REFUSED,
      )
    }
    expect(await codeOf(() => new LegacyFaceIdCodec({ provider: raw, keyId: aes }))).toBe('no error')
  })
})
