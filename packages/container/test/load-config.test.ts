import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '@keyward/container'
import { KeywardError } from '@keyward/core'
import { tempDir } from '@keyward/test-support'

const dirs: Array<{ remove(): void }> = []
function dir(): string {
  const d = tempDir('keyward-config-')
  dirs.push(d)
  return d.dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})

function errorOf(fn: () => unknown): KeywardError {
  try {
    fn()
  } catch (e) {
    if (e instanceof KeywardError) return e
    throw e
  }
  throw new Error('expected a KeywardError')
}

describe('loadConfig', () => {
  it('an empty environment is the embedded default: software provider with SQLite in KEYWARD_HOME', () => {
    const home = dir()
    const c = loadConfig({ env: { KEYWARD_HOME: home }, cwd: home })
    expect(c.provider).toBe('software')
    expect(c.home).toBe(home)
    expect(c.software.store).toBe('sqlite')
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8300, insecureHttp: false, strictSigning: false })
  })

  it('precedence: defaults < file < environment < flags', () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, 'keyward.config.yaml'),
      'provider: pkcs11\npkcs11:\n  tokenLabel: from-file\n  poolSize: 2\nserver:\n  port: 9001\n',
    )
    const env = { KEYWARD_HOME: cwd, KEYWARD_PKCS11_TOKEN: 'from-env' }
    const c = loadConfig({ env, cwd, flags: { server: { port: 9002 } } })
    expect(c.provider).toBe('pkcs11')
    expect(c.pkcs11.tokenLabel).toBe('from-env')
    expect(c.pkcs11.poolSize).toBe(2)
    expect(c.server.port).toBe(9002)
  })

  it('Tencent credentials, a region and an endpoint in the environment never select Tencent KMS; KEYWARD_PROVIDER or a file does', () => {
    const home = dir()
    const env = {
      KEYWARD_HOME: home,
      TENCENTCLOUD_SECRET_ID: 'AKID',
      TENCENTCLOUD_SECRET_KEY: 'k',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      KEYWARD_ENDPOINT: '127.0.0.1:8300',
    }
    const fromEnv = loadConfig({ env, cwd: home })
    expect(fromEnv.provider).toBe('software')
    // The values are kept for when Tencent KMS is chosen explicitly.
    expect([fromEnv.tencent.region, fromEnv.tencent.endpoint, fromEnv.tencent.secretId]).toEqual([
      'ap-shanghai',
      '127.0.0.1:8300',
      'AKID',
    ])
    expect(loadConfig({ env: { ...env, KEYWARD_PROVIDER: 'tencent-kms' }, cwd: home }).provider).toBe('tencent-kms')
    writeFileSync(join(home, 'keyward.config.json'), JSON.stringify({ provider: 'tencent-kms' }))
    expect(loadConfig({ env, cwd: home }).provider).toBe('tencent-kms')
  })

  it('errors name the bad field, the file, and never crash', () => {
    const cwd = dir()
    writeFileSync(join(cwd, 'keyward.config.json'), JSON.stringify({ pkcs11: { poolSize: 0 }, server: { port: 'x' } }))
    const e = errorOf(() => loadConfig({ env: { KEYWARD_HOME: cwd }, cwd }))
    expect(e.code).toBe('InvalidParameterValue')
    expect(e.message).toContain('pkcs11.poolSize')
    expect(e.message).toContain('server.port')
    expect(e.message).toContain('keyward.config.json')
  })

  it('unknown fields, unknown providers, unparsable files and missing explicit files are refused', () => {
    const cwd = dir()
    expect(
      errorOf(() => loadConfig({ env: { KEYWARD_HOME: cwd }, cwd, flags: { provider: 'aws' } })).message,
    ).toContain('provider')
    expect(errorOf(() => loadConfig({ env: { KEYWARD_HOME: cwd }, cwd, flags: { sofware: {} } })).message).toMatch(
      /sofware|Unrecognized/,
    )
    writeFileSync(join(cwd, 'keyward.config.json'), '{ not json')
    expect(errorOf(() => loadConfig({ env: { KEYWARD_HOME: cwd }, cwd })).message).toContain('cannot be parsed')
    expect(errorOf(() => loadConfig({ env: { KEYWARD_HOME: cwd }, cwd, file: 'nope.yaml' })).message).toContain(
      'does not exist',
    )
  })
})
