/**
 * `--provider pkcs11`: the embedded KMS with its keys in an HSM (SoftHSM2), server state and audit log in the home.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { createSoftHsmToken, type SoftHsmToken } from '../../../test/support/softhsm.js'
import { keyward, kms, requireBuiltCli, SLOW_TEST_MS, startServe } from './cli-harness.js'

describe('keyward --provider pkcs11 (SoftHSM2)', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let token: SoftHsmToken | undefined
  let env: Record<string, string>

  beforeAll(() => {
    requireBuiltCli()
    token = createSoftHsmToken()
    ;({ dir: home, remove } = tempDir('keyward-cli-hsm-'))
    env = {
      SOFTHSM2_CONF: token.conf,
      KEYWARD_PKCS11_MODULE: token.modulePath,
      KEYWARD_PKCS11_TOKEN: token.label,
      KEYWARD_PKCS11_PIN: token.pin,
    }
  })
  afterAll(() => {
    remove()
    token?.remove()
  })

  it('creates a key in the token, encrypts through kms and through the file commands, and audits it', async () => {
    const p = ['--provider', 'pkcs11']
    const keyId = (await kms(home, 'CreateKey', { Alias: 'in-hsm' }, p, env))['KeyId'] as string
    const enc = await kms(home, 'Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' }, p, env)
    expect((await kms(home, 'Decrypt', { CiphertextBlob: enc['CiphertextBlob'] as string }, p, env))['Plaintext']).toBe(
      'aGVsbG8=',
    )
    writeFileSync(join(home, 'doc.bin'), randomBytes(300_000))
    const e = await keyward(
      home,
      [...p, 'encrypt', '--key-id', keyId, '--in', join(home, 'doc.bin'), '--out', join(home, 'doc.kwe')],
      { env },
    )
    expect(e.code, e.stderr).toBe(0)
    const d = await keyward(
      home,
      [...p, 'decrypt', '--key-id', keyId, '--in', join(home, 'doc.kwe'), '--out', join(home, 'doc.out')],
      { env },
    )
    expect(d.code, d.stderr).toBe(0)
    expect(readFileSync(join(home, 'doc.out')).equals(readFileSync(join(home, 'doc.bin')))).toBe(true)
    // The key is not in the software store: without the HSM the same KeyId is unknown.
    const soft = await keyward(home, ['kms', 'Encrypt', '--KeyId', keyId, '--Plaintext', 'aGk='])
    expect(soft.code).toBe(1)
    expect(soft.stderr).toMatch(/^\[TencentCloudSDKException\] code:ResourceUnavailable\.CmkNotFound message:/)
    expect((await keyward(home, ['audit', 'verify'])).stdout).toMatch(/^audit log ok: \d+ entries/)
  })

  it('keyward --provider pkcs11 serve: the Tencent-compatible server over the token; SDK calls through it use keys in the HSM', async () => {
    const fresh = tempDir('keyward-cli-hsm-serve-')
    const serve = await startServe(fresh.dir, { globalArgs: ['--provider', 'pkcs11'], env })
    try {
      expect(serve.output()).toContain('over the pkcs11 provider')
      const creds = {
        TENCENTCLOUD_SECRET_ID: /SecretId:\s+(\S+)/.exec(serve.output())?.[1] as string,
        TENCENTCLOUD_SECRET_KEY: /SecretKey:\s+(\S+)/.exec(serve.output())?.[1] as string,
      }
      expect(creds.TENCENTCLOUD_SECRET_ID).toMatch(/^AKID/)
      const over = ['--endpoint', serve.endpoint]
      const keyId = (await kms(fresh.dir, 'CreateKey', { Alias: 'served-from-hsm' }, over, creds))['KeyId'] as string
      const enc = await kms(fresh.dir, 'Encrypt', { KeyId: keyId, Plaintext: 'c2VydmVk' }, over, creds)
      expect(
        (await kms(fresh.dir, 'Decrypt', { CiphertextBlob: enc['CiphertextBlob'] as string }, over, creds))[
          'Plaintext'
        ],
      ).toBe('c2VydmVk')
      // The key lives in the token: the software store of the same home does not know it.
      const soft = await keyward(fresh.dir, ['kms', 'DescribeKey', '--KeyId', keyId])
      expect(soft.stderr).toMatch(/^\[TencentCloudSDKException\] code:ResourceUnavailable\.CmkNotFound message:/)
    } finally {
      serve.child.kill('SIGTERM')
      const code = await serve.exited
      fresh.remove()
      expect(code).toBe(0)
    }
  })
})
