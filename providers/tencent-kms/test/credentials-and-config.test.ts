import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, SecretString } from '@keyward/core'
import { codeOf, tempDir } from '@keyward/test-support'
import { TencentKmsKeyProvider, resolveCredentials, resolveOptions } from '@keyward/provider-tencent-kms'
import { ok, startStubKms, type StubKms } from './stub-kms-server.js'

const SECRET = 'sk-THIS-MUST-NEVER-PRINT-0123456789'
let home: { dir: string; remove: () => void }
let stub: StubKms
beforeAll(async () => {
  home = tempDir('keyward-tc-home-')
  stub = await startStubKms(() => ok({ Plaintext: Buffer.alloc(4, 1).toString('base64') }))
})
afterAll(async () => {
  home.remove()
  await stub.close()
})

describe('credentials', () => {
  it('explicit values win, and the SecretKey is a SecretString', () => {
    const c = resolveCredentials(
      { secretId: 'AKIDexplicit', secretKey: SECRET },
      { env: { TENCENTCLOUD_SECRET_ID: 'AKIDenv', TENCENTCLOUD_SECRET_KEY: 'x' }, homeDir: home.dir },
    )
    expect(c.secretId).toBe('AKIDexplicit')
    expect(c.secretKey).toBeInstanceOf(SecretString)
    expect(c.secretKey.reveal()).toBe(SECRET)
  })

  it('then TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_SESSION_TOKEN', () => {
    const c = resolveCredentials(undefined, {
      env: { TENCENTCLOUD_SECRET_ID: 'AKIDenv', TENCENTCLOUD_SECRET_KEY: SECRET, TENCENTCLOUD_SESSION_TOKEN: 'tok' },
      homeDir: home.dir,
    })
    expect([c.secretId, c.source, c.sessionToken?.reveal()]).toEqual(['AKIDenv', 'env', 'tok'])
  })

  it("then tccli's ~/.tccli/<profile>.credential (JSON)", () => {
    mkdirSync(join(home.dir, '.tccli'), { recursive: true })
    writeFileSync(
      join(home.dir, '.tccli', 'prod.credential'),
      JSON.stringify({ secretId: 'AKIDtccli', secretKey: SECRET }),
    )
    const c = resolveCredentials({ profile: 'prod' }, { env: {}, homeDir: home.dir })
    expect(c.secretId).toBe('AKIDtccli')
    expect(c.source).toContain('prod.credential')
  })

  it('then ~/.tencentcloud/credentials (INI), by profile', () => {
    mkdirSync(join(home.dir, '.tencentcloud'), { recursive: true })
    writeFileSync(
      join(home.dir, '.tencentcloud', 'credentials'),
      `[default]\nsecret_id = AKIDdefault\nsecret_key = a\n\n[ops]\nsecret_id = AKIDops\nsecret_key = ${SECRET}\ntoken = t\n`,
    )
    const c = resolveCredentials(undefined, { env: { TENCENTCLOUD_PROFILE: 'ops' }, homeDir: home.dir })
    expect([c.secretId, c.secretKey.reveal(), c.sessionToken?.reveal()]).toEqual(['AKIDops', SECRET, 't'])
  })

  it('none anywhere → FailedOperation.ProviderUnavailable naming what to set', async () => {
    const empty = tempDir('keyward-tc-empty-')
    try {
      expect(await codeOf(() => resolveCredentials(undefined, { env: {}, homeDir: empty.dir }))).toBe(
        'FailedOperation.ProviderUnavailable',
      )
      expect(await codeOf(() => resolveCredentials({ secretId: 'AKID', secretKey: '' }))).toBe('MissingParameter')
    } finally {
      empty.remove()
    }
  })

  it('a corrupt credential file is reported without echoing its content', () => {
    const file = join(home.dir, 'bad.credential')
    writeFileSync(file, `{ "secretKey": "${SECRET}" `)
    const e = (() => {
      try {
        resolveCredentials({ file })
      } catch (x) {
        return x as KeywardError
      }
      throw new Error('expected an error')
    })()
    expect(e.code).toBe('FailedOperation.ProviderUnavailable')
    expect(e.message).not.toContain(SECRET)
  })
})

describe('secrets never print', () => {
  it('the provider, its credentials and a failed call show no SecretKey', async () => {
    const kms = new TencentKmsKeyProvider({
      endpoint: stub.endpoint,
      protocol: 'http',
      credentials: { secretId: 'AKIDprint', secretKey: SECRET },
    })
    const creds = resolveCredentials({ secretId: 'AKIDprint', secretKey: SECRET, sessionToken: 'session-token-secret' })
    const shown = [
      inspect(kms, { depth: 10, showHidden: true }),
      JSON.stringify(kms),
      inspect(creds, { depth: 10 }),
      JSON.stringify(creds),
    ].join('\n')
    expect(shown).not.toContain(SECRET)
    expect(shown).not.toContain('session-token-secret')
    expect(shown).toContain('AKIDprint')
    // A real call signs with the key (the stub accepts it), and still nothing prints it.
    expect(await kms.generateRandom(4)).toHaveLength(4)
    expect(inspect(kms, { depth: 10, showHidden: true })).not.toContain(SECRET)
  })
})

describe('options', () => {
  const creds = { secretId: 'AKID', secretKey: 'k' }
  it('region from TENCENTCLOUD_REGION, else ap-guangzhou; a malformed region is rejected', async () => {
    expect(
      resolveOptions({ credentials: creds, environment: { env: { TENCENTCLOUD_REGION: 'ap-shanghai' } } }).region,
    ).toBe('ap-shanghai')
    expect(resolveOptions({ credentials: creds, environment: { env: {} } }).region).toBe('ap-guangzhou')
    expect(await codeOf(() => resolveOptions({ credentials: creds, region: 'Shanghai!' }))).toBe(
      'InvalidParameterValue',
    )
  })

  it('http only for loopback endpoints; no scheme or path in the endpoint', async () => {
    expect(resolveOptions({ credentials: creds, endpoint: '127.0.0.1:8080', protocol: 'http' }).endpoint).toBe(
      '127.0.0.1:8080',
    )
    expect(
      await codeOf(() => resolveOptions({ credentials: creds, endpoint: 'kms.internal.bank', protocol: 'http' })),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(() => resolveOptions({ credentials: creds, endpoint: 'https://kms.tencentcloudapi.com/' })),
    ).toBe('InvalidParameterValue')
  })

  it('timeouts and retry bounds are checked', async () => {
    expect(await codeOf(() => resolveOptions({ credentials: creds, requestTimeoutMs: 0 }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => resolveOptions({ credentials: creds, retry: { maxAttempts: 0 } }))).toBe(
      'InvalidParameterValue',
    )
    expect(resolveOptions({ credentials: creds, retry: { maxAttempts: 3 } }).retry).toMatchObject({
      maxAttempts: 3,
      deadlineMs: 30_000,
    })
  })

  it('capabilities: everything Tencent offers; symmetric specs as configured', () => {
    const gm = new TencentKmsKeyProvider({ credentials: creds, symmetricKeySpecs: ['SM4'] })
    expect(gm.capabilities.symmetricKeySpecs).toEqual(['SM4'])
    expect(gm.capabilities.signAlgorithms).toEqual(['SM2DSA', 'RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECC_P256_R1'])
    expect(gm.capabilities.keyRotation).toBe(true)
    expect(gm.capabilities.notes?.join(' ')).toContain('国密')
  })
})
