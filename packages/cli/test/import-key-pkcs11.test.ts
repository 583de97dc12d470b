/**
 * `keyward import-key` into an HSM: without --wrapping-algorithm it uses the first algorithm the KMS behind the
 * CLI accepts (PKCS#11 tokens have no OAEP-SHA-256 unwrap; the old fixed default failed on every one of them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestToken, tempDir, type TestToken } from '@keyward/test-support'
import { expectFailure, keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe('keyward import-key: a default wrapping algorithm the target accepts', { timeout: SLOW_TEST_MS }, () => {
  const tokens: TestToken[] = []
  const homes: Array<{ remove(): void }> = []
  beforeAll(() => requireBuiltCli())
  afterAll(async () => {
    for (const t of tokens) await t.remove()
    for (const h of homes) h.remove()
  })

  /** The CLI's environment for the embedded KMS over `t` (NSS needs its init string). */
  const hsmEnv = (t: TestToken): Record<string, string> => ({
    ...(t.env as Record<string, string>),
    KEYWARD_PROVIDER: 'pkcs11',
    KEYWARD_PKCS11_MODULE: t.modulePath,
    KEYWARD_PKCS11_TOKEN: t.label,
    KEYWARD_PKCS11_PIN: t.pin,
    ...(t.libraryParameters ? { KEYWARD_PKCS11_LIBRARY_PARAMETERS: t.libraryParameters } : {}),
  })

  for (const kind of ['softhsm2', 'nss'] as const) {
    it(`${kind}: import-key --random works without --wrapping-algorithm; an explicit RSAES_OAEP_SHA_256 is refused as unsupported`, async () => {
      const t = createTestToken(kind)
      tokens.push(t)
      const home = tempDir(`keyward-cli-import-${kind}-`)
      homes.push(home)
      const env = hsmEnv(t)
      const r = await keyward(home.dir, ['import-key', '--alias', `byok-${kind}`, '--random'], { env })
      expect(r.code, r.stderr).toBe(0)
      const meta = JSON.parse(r.stdout) as { KeyId: string; KeyState: string; Origin: string }
      expect(meta).toMatchObject({ KeyState: 'Enabled', Origin: 'EXTERNAL' })
      const enc = await kms(home.dir, 'Encrypt', { KeyId: meta.KeyId, Plaintext: 'aW1wb3J0ZWQ=' }, [], env)
      expect(
        (await kms(home.dir, 'Decrypt', { CiphertextBlob: enc['CiphertextBlob'] as string }, [], env))['Plaintext'],
      ).toBe('aW1wb3J0ZWQ=')
      const explicit = await keyward(
        home.dir,
        ['import-key', '--alias', `byok-${kind}-256`, '--random', '--wrapping-algorithm', 'RSAES_OAEP_SHA_256'],
        { env },
      )
      expectFailure(explicit, /UnsupportedOperation/)
    })
  }

  it('the software KMS still takes the default (RSAES_OAEP_SHA_256 first)', async () => {
    const home = tempDir('keyward-cli-import-sw-')
    homes.push(home)
    const r = await keyward(home.dir, ['import-key', '--alias', 'byok-sw', '--random'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ KeyState: 'Enabled' })
  })
})
