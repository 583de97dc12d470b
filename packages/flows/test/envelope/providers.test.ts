import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, type KeyProvider } from '@keyward/core'
import {
  EnvelopeClient,
  Keyring,
  ProviderMasterKey,
  SUITE_NAMES,
  ecdsaP256HeaderSigner,
  providerHeaderSigner,
  sm2HeaderSigner,
} from '@keyward/flows/envelope'
import { sm2GenerateKeyPair } from '@keyward/gm'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { createSoftHsmToken, type SoftHsmToken } from '../../../../test/support/softhsm.js'

// Real providers, no mocks: the software provider, and the PKCS#11 provider on a throwaway SoftHSM2 token.
let token: SoftHsmToken
let software: SoftwareKeyProvider
let hsm: Pkcs11KeyProvider
const keys: Record<string, string> = {}

beforeAll(async () => {
  token = createSoftHsmToken()
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  hsm = new Pkcs11KeyProvider({
    modulePath: token.modulePath,
    tokenLabel: token.label,
    pin: token.pin,
    store: new MemoryKeyStore(),
  })
  keys.softwareAes = (await software.createKey({ alias: 'env-aes' })).keyId
  keys.softwareSm4 = (await software.createKey({ alias: 'env-sm4', keySpec: 'SM4' })).keyId
  keys.hsmAes = (await hsm.createKey({ alias: 'env-hsm' })).keyId
  keys.softwareEcc = (await software.createKey({ alias: 'env-sign-ecc', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })).keyId
  keys.softwareSm2 = (await software.createKey({ alias: 'env-sign-sm2', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })).keyId
})

afterAll(async () => {
  await software?.close()
  await hsm?.close()
  token?.remove()
})

const cmks = (): Array<[string, KeyProvider, string]> => [
  ['software AES_256 CMK', software, keys.softwareAes!],
  ['software SM4 CMK', software, keys.softwareSm4!],
  ['pkcs11 (SoftHSM2) AES CMK', hsm, keys.hsmAes!],
]

describe('envelope over real providers', () => {
  for (const suite of SUITE_NAMES) {
    it(`${suite}: round-trips through every available provider CMK (0, 1, frame-boundary sizes)`, async () => {
      for (const [, provider, keyId] of cmks()) {
        const client = new EnvelopeClient({
          keyring: new ProviderMasterKey({ provider, keyId }),
          suite,
          frameLength: 512,
        })
        for (const size of [0, 1, 511, 512, 513, 2048]) {
          const pt = randomBytes(size)
          const ctx = { app: 'faceid', user: String(size) }
          const m = await client.encrypt(pt, { encryptionContext: ctx })
          const r = await client.decrypt(m, { encryptionContext: ctx })
          expect(r.plaintext.equals(pt)).toBe(true)
          expect(r.info.encryptedDataKeys[0]?.keyId).toBe(keyId)
        }
      }
    })
  }

  it('multi-CMK: software "cloud" key + HSM key; either alone decrypts; the provider binds the context too', async () => {
    const cloud = new ProviderMasterKey({ provider: software, keyId: keys.softwareAes! })
    const onPrem = new ProviderMasterKey({ provider: hsm, keyId: keys.hsmAes! })
    const m = await new EnvelopeClient({ keyring: new Keyring([cloud, onPrem]) }).encrypt(Buffer.from('dr'), {
      encryptionContext: { k: 'v' },
    })
    for (const only of [cloud, onPrem]) {
      expect((await new EnvelopeClient({ keyring: only }).decrypt(m)).plaintext.toString()).toBe('dr')
    }
    const info = (await new EnvelopeClient({ keyring: onPrem }).decrypt(m)).info
    expect(info.encryptedDataKeys.map((e) => e.providerName)).toEqual([software.name, hsm.name])
  })

  it('discovery: decrypts data keys of any CMK the filter allows, and none other', async () => {
    const m = await new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: software, keyId: keys.softwareSm4! }),
    }).encrypt(Buffer.from('d'))
    const open = new ProviderMasterKey({ provider: software, keyId: keys.softwareAes!, discoveryFilter: () => true })
    expect((await new EnvelopeClient({ keyring: open }).decrypt(m)).plaintext.toString()).toBe('d')
    const narrow = new ProviderMasterKey({ provider: software, keyId: keys.softwareAes! })
    await expect(new EnvelopeClient({ keyring: narrow }).decrypt(m)).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
  })

  it('streams 8 MiB through a provider CMK with the cache on (one GenerateDataKey for many messages)', async () => {
    const client = new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: software, keyId: keys.softwareAes! }),
      cache: true,
    })
    const pt = randomBytes(8 * 1024 * 1024)
    const parts: Buffer[] = []
    for await (const c of client.encryptStream([pt.subarray(0, 3e6), pt.subarray(3e6)], { plaintextLength: pt.length }))
      parts.push(c)
    const back = await client.decrypt(Buffer.concat(parts))
    expect(back.plaintext.equals(pt)).toBe(true)
    expect(client.cache?.size).toBe(2) // one encrypt entry, one decrypt entry
  })
})

describe('header signatures', () => {
  const keyring = () => new ProviderMasterKey({ provider: software, keyId: keys.softwareAes! })

  it('ECDSA P-256 (local key) and SM2 (local key, via @keyward/gm) sign headers that verify; trustedSigners pins the signer', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const sm2 = sm2GenerateKeyPair()
    for (const signer of [ecdsaP256HeaderSigner(privateKey), sm2HeaderSigner(sm2.privateKey)]) {
      const client = new EnvelopeClient({ keyring: keyring(), signer })
      const m = await client.encrypt(Buffer.from('signed'))
      const r = await client.decrypt(m, { trustedSigners: [signer.publicKey] })
      expect(r.info.signer?.algorithm).toBe(signer.algorithm)
      expect(r.info.signer?.publicKey.equals(Buffer.from(signer.publicKey))).toBe(true)
      await expect(client.decrypt(m, { trustedSigners: [Buffer.alloc(65, 4)] })).rejects.toMatchObject({
        code: 'InvalidParameterValue.InvalidCiphertext',
      })
    }
    expect(JSON.stringify(sm2HeaderSigner(sm2.privateKey))).not.toContain(sm2.privateKey.toString('hex'))
  })

  it('signs inside the provider (ECC_P256_R1 and SM2DSA keys as DIGEST)', async () => {
    for (const [keyId, alg] of [
      [keys.softwareEcc!, 'ECC_P256_R1'],
      [keys.softwareSm2!, 'SM2DSA'],
    ] as const) {
      const signer = await providerHeaderSigner(software, keyId, alg)
      const client = new EnvelopeClient({ keyring: keyring(), signer })
      const m = await client.encrypt(Buffer.from('kms-signed'))
      expect((await client.decrypt(m, { trustedSigners: [signer.publicKey] })).plaintext.toString()).toBe('kms-signed')
    }
  })

  it('rejects an unsigned message when trustedSigners is given', async () => {
    const client = new EnvelopeClient({ keyring: keyring() })
    const m = await client.encrypt(Buffer.from('plain'))
    await expect(client.decrypt(m, { trustedSigners: [Buffer.alloc(65)] })).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
  })
})
