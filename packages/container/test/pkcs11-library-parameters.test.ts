import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeyward, loadConfig } from '@keyward/container'
import { createTestToken, tempDir } from '@keyward/test-support'

// NSS softokn as the configured HSM: its database is named by the C_Initialize init string, which reaches the
// provider from the environment (KEYWARD_PKCS11_LIBRARY_PARAMETERS) or the config file (pkcs11.libraryParameters).
const token = createTestToken('nss')
const home = tempDir('keyward-container-nss-')
afterAll(async () => {
  await token.remove()
  home.remove()
})

describe('pkcs11.libraryParameters', () => {
  it('comes from KEYWARD_PKCS11_LIBRARY_PARAMETERS and opens NSS softokn: the app encrypts and decrypts', async () => {
    const env = {
      KEYWARD_HOME: home.dir,
      KEYWARD_PROVIDER: 'pkcs11',
      KEYWARD_PKCS11_MODULE: token.modulePath,
      KEYWARD_PKCS11_TOKEN: token.label,
      KEYWARD_PKCS11_LIBRARY_PARAMETERS: token.libraryParameters as string,
      KEYWARD_PKCS11_PIN: token.pin,
    }
    expect(loadConfig({ env, cwd: home.dir }).pkcs11.libraryParameters).toBe(token.libraryParameters)
    const kw = await createKeyward({}, { env, cwd: home.dir })
    try {
      const { keyId } = await kw.provider.createKey({ alias: 'nss-app' })
      const { ciphertextBlob } = await kw.provider.encrypt({ keyId, plaintext: Buffer.from('card 4111') })
      expect(Buffer.from((await kw.provider.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('card 4111')
    } finally {
      await kw.close()
    }
  })

  it('an empty or oversized value is refused naming the field', () => {
    for (const libraryParameters of ['', 'x'.repeat(4097)]) {
      expect(() =>
        loadConfig({ env: { KEYWARD_HOME: home.dir }, cwd: home.dir, flags: { pkcs11: { libraryParameters } } }),
      ).toThrow(/pkcs11\.libraryParameters/)
    }
  })
})

describe('a PKCS#11 metadata store of an earlier library (pkcs11-meta.db, before app-pkcs11-meta.db)', () => {
  it('is named in a warning, not silently replaced by an empty store; a KMS home or a present app store is not', async () => {
    const env = (dir: string) => ({
      KEYWARD_HOME: dir,
      KEYWARD_PROVIDER: 'pkcs11',
      KEYWARD_PKCS11_MODULE: token.modulePath,
      KEYWARD_PKCS11_TOKEN: token.label,
      KEYWARD_PKCS11_LIBRARY_PARAMETERS: token.libraryParameters as string,
      KEYWARD_PKCS11_PIN: token.pin,
    })
    const warningsOf = async (dir: string): Promise<string> => {
      const warnings: string[] = []
      const kw = await createKeyward({}, { env: env(dir), cwd: dir, warn: (m) => warnings.push(m) })
      await kw.close()
      return warnings.join('\n')
    }
    const old = join(home.dir, 'old-pkcs11-home')
    mkdirSync(old)
    copyFileSync(join(home.dir, 'app-pkcs11-meta.db'), join(old, 'pkcs11-meta.db'))
    expect(await warningsOf(old)).toMatch(
      /pkcs11-meta\.db holds keys of an earlier Keyward library; .*app-pkcs11-meta\.db .*set pkcs11\.metadataPath/,
    )
    // Now that app-pkcs11-meta.db exists, the notice is not repeated; in a home of keyward serve it never shows.
    expect(await warningsOf(old)).toBe('')
    const kmsHome = join(home.dir, 'kms-home')
    mkdirSync(kmsHome)
    copyFileSync(join(home.dir, 'app-pkcs11-meta.db'), join(kmsHome, 'pkcs11-meta.db'))
    writeFileSync(join(kmsHome, 'server.db'), '')
    expect(await warningsOf(kmsHome)).toBe('')
  })
})
