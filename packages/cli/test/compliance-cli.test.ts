/**
 * The built `keyward` under compliance profiles: a home filled under `none` is then used under gm set in
 * keyward.config.json — raw Actions, file commands, signatures, the audit log — with every attempt to loosen it
 * (a flag, the environment, per-command options) refused; the legacy escape hatch is explicit and audited; raw
 * Actions to a remote KMS that applies no profile are checked on the way out; keyward serve announces its profile.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import {
  expectFailure,
  keyward,
  kms,
  requireBuiltCli,
  SLOW_TEST_MS,
  startServe,
  type ServeChild,
} from './cli-harness.js'

const REFUSED = /code:UnsupportedOperation\.ComplianceProfile message:The gm compliance profile/

describe('keyward under compliance profiles', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  const k: Record<string, string> = {}
  let aesBlob = ''
  const file = (name: string): string => join(home, name)

  beforeAll(async () => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-compliance-'))
    k['aes'] = (await kms(home, 'CreateKey', { Alias: 'old-aes' }))['KeyId'] as string
    k['rsa'] = (await kms(home, 'CreateKey', { Alias: 'old-rsa', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' }))[
      'KeyId'
    ] as string
    k['sm2'] = (await kms(home, 'CreateKey', { Alias: 'sm2', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }))[
      'KeyId'
    ] as string
    aesBlob = (
      await kms(home, 'Encrypt', { KeyId: k['aes']!, Plaintext: Buffer.from('legacy secret').toString('base64') })
    )['CiphertextBlob'] as string
    writeFileSync(file('payroll.csv'), 'alice,100\n')
    const old = await keyward(home, [
      'encrypt',
      '--key-id',
      k['aes']!,
      '--in',
      file('payroll.csv'),
      '--out',
      file('old.kwe'),
    ])
    expect(old.code, old.stderr).toBe(0)
    // From now on the deployment is gm, by its config file.
    writeFileSync(file('keyward.config.json'), JSON.stringify({ compliance: 'gm' }))
  })
  afterAll(() => remove())

  it('CreateKey makes SM4 by default and refuses AES, RSA and EXTERNAL keys; --compliance none and KEYWARD_COMPLIANCE=none do not loosen it', async () => {
    const id = (await kms(home, 'CreateKey', { Alias: 'new-sm4' }))['KeyId'] as string
    k['sm4'] = id
    expect(((await kms(home, 'DescribeKey', { KeyId: id }))['KeyMetadata'] as { KeySpec: string }).KeySpec).toBe('SM4')
    const attempts = await Promise.all([
      keyward(home, ['kms', 'CreateKey', '--Alias', 'a1', '--KeySpec', 'AES_256']),
      keyward(home, ['--compliance', 'none', 'kms', 'CreateKey', '--Alias', 'a2', '--KeySpec', 'AES_256']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'a3', '--KeySpec', 'AES_256'], {
        env: { KEYWARD_COMPLIANCE: 'none' },
      }),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'a4', '--KeyUsage', 'ASYMMETRIC_DECRYPT_RSA_2048']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'a5', '--Type', '2']),
      keyward(home, ['kms', 'CreateKey', '--Alias', 'a6', '--cli-input-json', JSON.stringify({ KeySpec: 'AES_256' })]),
    ])
    for (const r of attempts) {
      expectFailure(r, REFUSED)
      expect(r.code).toBe(1)
    }
    expect((await kms(home, 'ListAlgorithms'))['SymmetricAlgorithms'] as unknown[]).toEqual([
      { KeyUsage: 'ENCRYPT_DECRYPT', Algorithm: 'SM4' },
    ])
  })

  it('another profile in the environment conflicts with the file; a misspelt one is a usage error', async () => {
    const [conflict, typo, envTypo] = await Promise.all([
      keyward(home, ['kms', 'ListKeys'], { env: { KEYWARD_COMPLIANCE: 'fips' } }),
      keyward(home, ['--compliance', 'GM', 'kms', 'ListKeys']),
      keyward(home, ['kms', 'ListKeys'], { env: { KEYWARD_COMPLIANCE: 'gmm' } }),
    ])
    expectFailure(conflict, /conflict: gm \(compliance in .*keyward\.config\.json\) and fips \(KEYWARD_COMPLIANCE\)/)
    expectFailure(typo, /--compliance must be one of none, gm, fips; got "GM"/)
    expect(typo.code).toBe(2)
    expectFailure(envTypo, /KEYWARD_COMPLIANCE must be one of none, gm, fips/)
  })

  it('keys and data from before gm: refused; --allow-legacy-decrypt decrypts, and the audit log records each LegacyDecrypt', async () => {
    const plaintext = Buffer.from('x').toString('base64')
    const [encrypt, decrypt, sign] = await Promise.all([
      keyward(home, ['kms', 'Encrypt', '--KeyId', k['aes']!, '--Plaintext', plaintext]),
      keyward(home, ['kms', 'Decrypt', '--CiphertextBlob', aesBlob]),
      keyward(home, ['sign', '--key-id', k['rsa']!, '--algorithm', 'RSA_PSS_SHA_256', '--in', file('payroll.csv')]),
    ])
    for (const r of [encrypt, decrypt]) expectFailure(r, REFUSED)
    expectFailure(
      sign,
      /UnsupportedOperation\.ComplianceProfile: The gm compliance profile .* signature algorithm RSA_PSS_SHA_256/,
    )
    const legacy = await kms(home, 'Decrypt', { CiphertextBlob: aesBlob }, ['--allow-legacy-decrypt'])
    expect(Buffer.from(legacy['Plaintext'] as string, 'base64').toString()).toBe('legacy secret')
    // The hatch is for decryption only.
    expectFailure(
      await keyward(home, ['--allow-legacy-decrypt', 'kms', 'Encrypt', '--KeyId', k['aes']!, '--Plaintext', plaintext]),
      REFUSED,
    )
    const log = await keyward(home, ['audit', 'list', '--action', 'LegacyDecrypt', '--output', 'json'])
    expect(
      log.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { keyId: string }).keyId),
    ).toEqual([k['aes']])
  })

  it('file commands: SM4_GCM_HKDF_SM3_COMMIT by default, the AES suite refused, an AES file from before readable only with the hatch', async () => {
    const enc = await keyward(home, [
      'encrypt',
      '--key-id',
      k['sm4']!,
      '--in',
      file('payroll.csv'),
      '--out',
      file('new.kwe'),
    ])
    expect(enc.code, enc.stderr).toBe(0)
    expect(readFileSync(file('new.kwe')).readUInt16BE(4)).toBe(0x0002)
    const [aesSuite, oldFile] = await Promise.all([
      keyward(home, [
        'encrypt',
        '--key-id',
        k['sm4']!,
        '--suite',
        'AES_256_GCM_HKDF_SHA256_COMMIT',
        '--in',
        file('payroll.csv'),
        '--out',
        file('aes.kwe'),
      ]),
      keyward(home, ['decrypt', '--key-id', k['aes']!, '--in', file('old.kwe'), '--out', file('old.csv')]),
    ])
    expectFailure(aesSuite, /UnsupportedOperation\.ComplianceProfile: .*envelope suite AES_256_GCM_HKDF_SHA256_COMMIT/)
    expectFailure(
      oldFile,
      /UnsupportedOperation\.ComplianceProfile: .*envelope suite AES_256_GCM_HKDF_SHA256_COMMIT \(decrypting an envelope message\)/,
    )
    const migrated = await keyward(home, [
      '--allow-legacy-decrypt',
      'decrypt',
      '--key-id',
      k['aes']!,
      '--in',
      file('old.kwe'),
      '--out',
      file('old.csv'),
    ])
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(readFileSync(file('old.csv'), 'utf8')).toBe('alice,100\n')
    expect(migrated.stderr).toMatch(
      /legacy decryption under gm \(--allow-legacy-decrypt\): EnvelopeDecrypt of AES_256_GCM_HKDF_SHA256_COMMIT data/,
    )
  })

  it('the audit log is chained with SM3 since gm and verifies', async () => {
    const r = await keyward(home, ['audit', 'verify'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^audit log ok: \d+ entries, hash chain and MACs intact \(\d+ SHA-256, \d+ SM3\)\n$/)
  })

  describe('raw Actions to a remote KMS without a profile', () => {
    let serve: ServeChild & { endpoint: string }
    let env: Record<string, string>
    let remoteAes = ''
    let remoteBlob = ''
    beforeAll(async () => {
      mkdirSync(join(home, 'plain-server'))
      serve = await startServe(join(home, 'plain-server'))
      // Planted from a client without a profile (this home's config says gm).
      const plain = join(home, 'plain-client')
      mkdirSync(plain)
      env = {
        TENCENTCLOUD_SECRET_ID: /SecretId:\s+(\S+)/.exec(serve.output())?.[1] as string,
        TENCENTCLOUD_SECRET_KEY: /SecretKey:\s+(\S+)/.exec(serve.output())?.[1] as string,
      }
      remoteAes = (
        await kms(plain, 'CreateKey', { Alias: 'remote-aes' }, ['--endpoint', serve.endpoint, '--quiet'], env)
      )['KeyId'] as string
      remoteBlob = (
        await kms(
          plain,
          'Encrypt',
          { KeyId: remoteAes, Plaintext: Buffer.from('r').toString('base64') },
          ['--endpoint', serve.endpoint, '--quiet'],
          env,
        )
      )['CiphertextBlob'] as string
    })
    afterAll(async () => {
      serve.child.kill('SIGTERM')
      await serve.exited
    })

    it('are checked on the way out: nothing forbidden is sent, and the hatch works with a note', async () => {
      // The home's config says gm; the server applies no profile: the CLI refuses before sending.
      const remote = ['--endpoint', serve.endpoint, '--quiet']
      const [create, encrypt, decrypt, sign] = await Promise.all([
        keyward(home, [...remote, 'kms', 'CreateKey', '--Alias', 'r2', '--KeySpec', 'AES_256'], { env }),
        keyward(home, [...remote, 'kms', 'Encrypt', '--KeyId', remoteAes, '--Plaintext', 'eA=='], { env }),
        keyward(home, [...remote, 'kms', 'Decrypt', '--CiphertextBlob', remoteBlob], { env }),
        keyward(home, [...remote, 'kms', 'GenerateDataKey', '--KeyId', remoteAes, '--KeySpec', 'AES_256'], { env }),
      ])
      for (const r of [create, encrypt, decrypt, sign]) expectFailure(r, REFUSED)
      const sm4 = await kms(home, 'CreateKey', { Alias: 'remote-default' }, remote, env)
      expect(
        (
          (await kms(home, 'DescribeKey', { KeyId: sm4['KeyId'] as string }, remote, env))['KeyMetadata'] as {
            KeySpec: string
          }
        ).KeySpec,
      ).toBe('SM4')
      const legacy = await keyward(
        home,
        [...remote, '--allow-legacy-decrypt', 'kms', 'Decrypt', '--CiphertextBlob', remoteBlob],
        { env },
      )
      expect(legacy.code, legacy.stderr).toBe(0)
      expect(legacy.stderr).toMatch(
        /legacy decryption under gm \(--allow-legacy-decrypt\): Decrypt of AES-256-GCM data under key /,
      )
      // No forbidden CreateKey reached the server: its log has only the two made before.
      const served = await keyward(
        join(home, 'plain-server'),
        ['audit', 'list', '--action', 'CreateKey', '--output', 'json'],
        { env: { KEYWARD_HOME: join(home, 'plain-server') } },
      )
      expect(
        served.stdout
          .trim()
          .split('\n')
          .filter((l) => l.includes('"result":"Success"')),
      ).toHaveLength(2)
    })
  })

  it('keyward serve says which profile it runs and, under fips, whether the module is FIPS', async () => {
    for (const d of ['gm-server', 'fips-server']) mkdirSync(join(home, d))
    const gmServe = await startServe(join(home, 'gm-server'), { globalArgs: ['--compliance', 'gm'] })
    expect(gmServe.output()).toMatch(
      /^compliance profile: gm \(国密 \(GB\/T 39786-2021, GM\/T 0054-2018\)\); audit chain SM3 \/ HMAC-SM3$/m,
    )
    gmServe.child.kill('SIGTERM')
    await gmServe.exited
    const fipsHome = join(home, 'fips-server')
    const fipsServe = await startServe(fipsHome, { globalArgs: ['--compliance', 'fips'] })
    expect(fipsServe.output()).toMatch(
      /^compliance profile: fips \(FIPS 140-3 approved algorithms\); audit chain SHA-256 \/ HMAC-SHA-256$/m,
    )
    // This Node either has a FIPS provider, turned on, or says plainly that it is not a validated module.
    expect(fipsServe.errors()).toMatch(
      /^fips compliance profile: Node v\S+, OpenSSL .*(FIPS provider enabled|not a FIPS-validated module)/m,
    )
    fipsServe.child.kill('SIGTERM')
    await fipsServe.exited
    const sm4 = await keyward(
      fipsHome,
      ['--compliance', 'fips', 'kms', 'CreateKey', '--Alias', 's', '--KeySpec', 'SM4'],
      { env: { KEYWARD_HOME: fipsHome } },
    )
    expectFailure(
      sm4,
      /code:UnsupportedOperation\.ComplianceProfile message:The fips compliance profile .* key spec SM4/,
    )
  })
})
