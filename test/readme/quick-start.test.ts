/**
 * The README's quick starts, run as written (same calls, same arguments) against the embedded default, so the
 * front door cannot drift from the code.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyward, type Keyward } from '@keyward/container'
import { SensitiveData } from '@keyward/flows/sensitive'
import { EnvelopeClient, ProviderMasterKey, encryptFile, decryptFile } from '@keyward/flows/envelope'
import { encryptWithPublicKey, AsymmetricDecryptor } from '@keyward/flows/asymmetric'
import { SignatureFlow } from '@keyward/flows/signature'
import { ByokImport, FileMaterialSource } from '@keyward/flows/byok'
import { requireBinary, tempDir, tryRun } from '@keyward/test-support'

describe('README quick starts', () => {
  const home = tempDir('keyward-readme-')
  let kw: Keyward
  const file = (name: string): string => join(home.dir, name)

  beforeAll(async () => {
    kw = await createKeyward(
      {},
      { env: { KEYWARD_HOME: home.dir, KEYWARD_ROOT_KEY: randomBytes(32).toString('base64') }, cwd: home.dir },
    )
  })
  afterAll(async () => {
    await kw?.close()
    home.remove()
  })

  it('sensitive data and envelope encryption (bytes and files)', async () => {
    const { provider } = kw
    const key = await provider.createKey({ alias: 'db-credentials' })
    const secrets = new SensitiveData(provider)
    const blob = await secrets.encryptString(key.keyId, 'p@ssw0rd', { encryptionContext: { app: 'orders' } })
    expect(await secrets.decryptString(blob, { encryptionContext: { app: 'orders' }, expectedKeyId: key.keyId })).toBe(
      'p@ssw0rd',
    )

    const client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider, keyId: key.keyId }) })
    const message = await client.encrypt(Buffer.from('hello'), { encryptionContext: { tenant: 'acme' } })
    const { plaintext } = await client.decrypt(message, { encryptionContext: { tenant: 'acme' } })
    expect(plaintext.toString()).toBe('hello')

    const statement = randomBytes(700_000)
    writeFileSync(file('statement.pdf'), statement)
    await encryptFile(client, file('statement.pdf'), file('statement.pdf.kwe'), {
      encryptionContext: { tenant: 'acme' },
    })
    await decryptFile(client, file('statement.pdf.kwe'), file('statement.out'), {
      encryptionContext: { tenant: 'acme' },
    })
    expect(readFileSync(file('statement.out')).equals(statement)).toBe(true)
  })

  it('asymmetric encryption with the downloaded public key, decrypted by the provider', async () => {
    const { provider } = kw
    const rsa = await provider.createKey({ alias: 'inbox', keyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
    const { publicKeyPem } = await provider.getPublicKey(rsa.keyId)
    const ciphertext = encryptWithPublicKey(publicKeyPem, 'RSAES_OAEP_SHA_256', Buffer.from('card 4111'))
    const plain = await new AsymmetricDecryptor(provider).decrypt(rsa.keyId, 'RSAES_OAEP_SHA_256', ciphertext)
    expect(Buffer.from(plain).toString()).toBe('card 4111')
  })

  it('signatures of a file, verified locally and by the openssl command the README shows', async () => {
    const openssl = requireBinary('openssl')
    const { provider } = kw
    const signer = await provider.createKey({ alias: 'contracts', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })
    writeFileSync(file('contract.pdf'), randomBytes(10_000))
    const signatures = new SignatureFlow(provider)
    const { signature } = await signatures.sign({
      keyId: signer.keyId,
      algorithm: 'SM2DSA',
      message: { path: file('contract.pdf') },
    })
    const verified = await signatures.verify({
      keyId: signer.keyId,
      algorithm: 'SM2DSA',
      message: { path: file('contract.pdf') },
      signature,
      local: true,
    })
    expect(verified).toBe(true)
    const forged = Buffer.from(signature)
    forged[forged.length - 1] ^= 1
    expect(
      await signatures.verify({
        keyId: signer.keyId,
        algorithm: 'SM2DSA',
        message: { path: file('contract.pdf') },
        signature: forged,
        local: true,
      }),
    ).toBe(false)
    writeFileSync(file('sig'), signature)
    writeFileSync(file('pub.pem'), (await provider.getPublicKey(signer.keyId)).publicKeyPem)
    const args = [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:1234567812345678',
      '-pubin',
      '-inkey',
      file('pub.pem'),
      '-in',
      file('contract.pdf'),
      '-sigfile',
      file('sig'),
    ]
    const r = tryRun(openssl, args)
    expect(r.status, r.stderr).toBe(0)
  })

  it('BYOK from a material file', async () => {
    const { provider } = kw
    writeFileSync(file('key_material.bin'), randomBytes(32), { mode: 0o600 })
    const imported = await new ByokImport(provider).createAndImport({
      alias: 'payments-byok',
      source: new FileMaterialSource(file('key_material.bin')),
    })
    expect(imported.keyState).toBe('Enabled')
    const { ciphertextBlob } = await provider.encrypt({ keyId: imported.keyId, plaintext: Buffer.from('x') })
    expect(Buffer.from((await provider.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('x')
  })
})
