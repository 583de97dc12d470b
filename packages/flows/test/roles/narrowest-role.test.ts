/**
 * Each flow runs over no more than the role its type asks for: the real software provider is cut down to the
 * methods of that role (bound, so the crypto is the provider's own), and any call outside them would be a TypeError.
 * This pins the narrowing of issue 17 at run time, as the signatures pin it at compile time.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, ROLE_METHODS, type KeyProvider } from '@keyward/core'
import { ByokImport, RandomMaterialSource } from '@keyward/flows/byok'
import { AsymmetricMasterKey, EnvelopeClient, Keyring, ProviderMasterKey } from '@keyward/flows/envelope'
import { IndexKey } from '@keyward/flows/searchable'
import { SensitiveData } from '@keyward/flows/sensitive'
import { SignatureFlow } from '@keyward/flows/signature'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'

type Method = Exclude<keyof KeyProvider, 'name' | 'capabilities'>
const BASE: readonly Method[] = ['generateRandom', 'close']

/** `provider` cut down to `methods` (bound to it), with its name and capabilities. */
function only<M extends Method>(
  provider: KeyProvider,
  methods: readonly M[],
): Pick<KeyProvider, M | 'name' | 'capabilities'> {
  const cut: Record<string, unknown> = { name: provider.name, capabilities: provider.capabilities }
  for (const m of methods) cut[m] = (provider[m] as (...a: unknown[]) => unknown).bind(provider)
  return cut as Pick<KeyProvider, M | 'name' | 'capabilities'>
}

let software: SoftwareKeyProvider
beforeAll(() => {
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
})
afterAll(() => software?.close())

describe('flows over the narrowest role', () => {
  it('the cut-down provider really lacks everything else', () => {
    const symmetric = only(software, [...ROLE_METHODS.symmetric, ...BASE]) as Record<string, unknown>
    expect(typeof symmetric.encrypt).toBe('function')
    for (const m of [...ROLE_METHODS.administration, ...ROLE_METHODS.asymmetric, ...ROLE_METHODS.import])
      expect(symmetric[m]).toBeUndefined()
  })

  it('SensitiveData: SymmetricCrypto', async () => {
    const { keyId } = await software.createKey({ alias: 'narrow-sensitive' })
    const secrets = new SensitiveData(only(software, [...ROLE_METHODS.symmetric, ...BASE]))
    const blob = await secrets.encryptString(keyId, 'p@ssw0rd', { encryptionContext: { app: 'orders' } })
    expect(await secrets.decryptString(blob, { encryptionContext: { app: 'orders' } })).toBe('p@ssw0rd')
  })

  it('ProviderMasterKey: GenerateDataKey, Encrypt and Decrypt only', async () => {
    const { keyId } = await software.createKey({ alias: 'narrow-envelope' })
    const other = await software.createKey({ alias: 'narrow-envelope-2' })
    const keys = only(software, ['generateDataKey', 'encrypt', 'decrypt'])
    const client = new EnvelopeClient({
      keyring: new Keyring([
        new ProviderMasterKey({ provider: keys, keyId }),
        new ProviderMasterKey({ provider: keys, keyId: other.keyId }),
      ]),
    })
    const message = await client.encrypt(Buffer.from('hello'), { encryptionContext: { tenant: 'acme' } })
    expect(
      Buffer.from((await client.decrypt(message, { encryptionContext: { tenant: 'acme' } })).plaintext).toString(),
    ).toBe('hello')
  })

  it('IndexKey: GenerateDataKey, Decrypt and Encrypt only', async () => {
    const { keyId } = await software.createKey({ alias: 'narrow-index' })
    const keys = only(software, ['generateDataKey', 'decrypt', 'encrypt'])
    const blob = await IndexKey.generate(keys, keyId)
    const key = new IndexKey({ provider: keys, ...blob })
    await key.open()
    const copy = await key.wrapFor(keys, keyId)
    expect(copy.ciphertextBlob).not.toBe(blob.ciphertextBlob)
    key.close()
  })

  it('SignatureFlow: AsymmetricCrypto', async () => {
    const { keyId } = await software.createKey({ alias: 'narrow-sign', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })
    const flow = new SignatureFlow(only(software, [...ROLE_METHODS.asymmetric, ...BASE]))
    const message = Buffer.from('order 42')
    const { signature } = await flow.sign({ keyId, algorithm: 'SM2DSA', message })
    expect(await flow.verify({ keyId, algorithm: 'SM2DSA', message, signature })).toBe(true)
    expect(await flow.verify({ keyId, algorithm: 'SM2DSA', message, signature, local: true })).toBe(true)
    expect(await flow.verify({ keyId, algorithm: 'SM2DSA', message: Buffer.from('order 43'), signature })).toBe(false)
  })

  it('AsymmetricMasterKey: AsymmetricCrypto', async () => {
    const { keyId } = await software.createKey({ alias: 'narrow-amk', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const mk = new AsymmetricMasterKey({ provider: only(software, [...ROLE_METHODS.asymmetric, ...BASE]), keyId })
    const client = new EnvelopeClient({ keyring: new Keyring([mk]) })
    const message = await client.encrypt(Buffer.from('sealed to a public key'))
    expect(Buffer.from((await client.decrypt(message)).plaintext).toString()).toBe('sealed to a public key')
  })

  it('ByokImport: KeyAdministration & KeyImport; random material from GenerateRandom alone', async () => {
    const byok = new ByokImport(only(software, [...ROLE_METHODS.administration, ...ROLE_METHODS.import, ...BASE]))
    const key = await byok.createAndImport({
      alias: 'narrow-byok',
      source: new RandomMaterialSource(only(software, ['generateRandom'])),
    })
    expect(key.origin).toBe('EXTERNAL')
    expect(key.keyState).toBe('Enabled')
  })
})
