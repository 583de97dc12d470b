import { statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyward, createKeywardContainer, KeyProvider, loadConfig } from '@keyward/container'
import { type KeyProvider as KeyProviderContract } from '@keyward/core'
import { SoftwareKeyProvider, RootKey } from '@keyward/provider-software'
import { MemoryKeyStore } from '@keyward/core'
import { startServer, type RunningServer } from '@keyward/server'
import { tempDir } from '@keyward/test-support'
import { createSoftHsmToken, type SoftHsmToken } from '../../../test/support/softhsm.js'

/** The app code of the README demo: it knows only the KeyProvider contract. */
async function app(provider: KeyProviderContract): Promise<string> {
  const key = await provider.createKey({ alias: `orders-${Math.random().toString(36).slice(2, 8)}` })
  const { ciphertextBlob } = await provider.encrypt({
    keyId: key.keyId,
    plaintext: Buffer.from('card 4111-1111'),
    encryptionContext: { order: '42' },
  })
  const { plaintext } = await provider.decrypt({ ciphertextBlob, encryptionContext: { order: '42' } })
  return Buffer.from(plaintext).toString()
}

describe('the same app code over three backends, chosen by configuration alone', () => {
  const home = tempDir('keyward-swap-')
  let token: SoftHsmToken
  let server: RunningServer
  const secret = { secretId: 'AKIDswaptest000000000000000000000000', secretKey: 'swap-test-secret-key-000000000000' }

  beforeAll(async () => {
    token = createSoftHsmToken()
    const backing = new SoftwareKeyProvider({
      store: new MemoryKeyStore(),
      rootKey: RootKey.fromBytes(Buffer.alloc(32, 7)),
    })
    server = await startServer({
      provider: backing,
      ownsProvider: true,
      store: { sqlite: join(home.dir, 'server.db') },
      rootKey: Buffer.alloc(32, 9),
      bootstrap: secret,
    })
  })
  afterAll(async () => {
    await server?.close()
    token?.remove()
    home.remove()
  })

  it('software (embedded default): creates a 0600 dev root key in KEYWARD_HOME and warns', async () => {
    const warnings: string[] = []
    const kw = await createKeyward(
      {},
      { env: { KEYWARD_HOME: join(home.dir, 'sw') }, cwd: home.dir, warn: (m) => warnings.push(m) },
    )
    try {
      expect(kw.provider.name).toBe('software')
      expect(await app(kw.provider)).toBe('card 4111-1111')
    } finally {
      await kw.close()
    }
    const rootKey = join(home.dir, 'sw', 'root.key')
    expect(statSync(rootKey).mode & 0o777).toBe(0o600)
    // The application's own key store, apart from the embedded KMS's keys.db (keyward serve / keyward kms).
    expect(existsSync(join(home.dir, 'sw', 'app-keys.db'))).toBe(true)
    expect(existsSync(join(home.dir, 'sw', 'keys.db'))).toBe(false)
    expect(warnings.join('\n')).toMatch(/development root key/)
  })

  it('pkcs11 (SoftHSM2 token) through the inversify container', async () => {
    const config = loadConfig({
      env: { KEYWARD_HOME: join(home.dir, 'hsm'), HSM_PIN: token.pin },
      cwd: home.dir,
      flags: {
        provider: 'pkcs11',
        pkcs11: { module: token.modulePath, tokenLabel: token.label, pinEnv: 'HSM_PIN', poolSize: 2 },
      },
    })
    const container = await createKeywardContainer(config, { env: { HSM_PIN: token.pin } })
    const provider = await container.getAsync<KeyProviderContract>(KeyProvider)
    try {
      expect(provider.name).toBe('pkcs11')
      expect(await app(provider)).toBe('card 4111-1111')
    } finally {
      await provider.close()
    }
  })

  it('tencent-kms (keyward serve on loopback, as the real service would be)', async () => {
    const endpoint = server.url.replace(/^http:\/\//, '')
    const kw = await createKeyward(
      {},
      {
        env: {
          KEYWARD_HOME: join(home.dir, 'tc'),
          KEYWARD_PROVIDER: 'tencent-kms',
          TENCENTCLOUD_SECRET_ID: secret.secretId,
          TENCENTCLOUD_SECRET_KEY: secret.secretKey,
          KEYWARD_ENDPOINT: endpoint,
        },
        cwd: home.dir,
      },
    )
    try {
      expect(kw.provider.name).toBe('tencent-kms')
      expect(await app(kw.provider)).toBe('card 4111-1111')
    } finally {
      await kw.close()
    }
  })
})
