import { createHash, getFips, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { checkCompliance, createKeyward, cryptoModuleState } from '@keyward/container'
import { isKeywardError, processCompliance } from '@keyward/core'
import { tempDir } from '@keyward/test-support'

// createKeyward under fips: Node's FIPS provider is turned on when this Node has one, and otherwise the process keeps
// working and every message says plainly that the module is not FIPS-validated. (This file runs fips only.)

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('createKeyward with compliance fips', () => {
  it('says whether the module runs FIPS, keeps approved crypto working, and refuses SM algorithms', async () => {
    const t = tempDir('keyward-fips-')
    cleanups.push(() => t.remove())
    const warnings: string[] = []
    const kw = await createKeyward(
      { home: t.dir, compliance: 'fips' },
      { env: { KEYWARD_ROOT_KEY: randomBytes(32).toString('base64') }, warn: (m) => void warnings.push(m) },
    )
    cleanups.push(() => kw.close())
    expect(processCompliance()).toBe('fips')
    const state = cryptoModuleState()
    expect(kw.compliance.cryptoModule.fipsActive).toBe(state.fipsActive)
    expect(getFips() === 1).toBe(state.fipsActive)
    const banner = warnings.find((w) => w.startsWith('fips compliance profile:'))
    expect(banner).toMatch(state.fipsActive ? /FIPS provider/ : /not a FIPS-validated module/)
    // Whatever happened, approved algorithms still work in this process.
    expect(createHash('sha256').update('x').digest('hex')).toHaveLength(64)
    const key = await kw.provider.createKey({ alias: 'a' })
    expect(key.keySpec).toBe('AES_256')
    const { ciphertextBlob } = await kw.provider.encrypt({ keyId: key.keyId, plaintext: Buffer.from('p') })
    expect(Buffer.from((await kw.provider.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('p')
    for (const bad of [
      { alias: 's', keySpec: 'SM4' as const },
      { alias: 't', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' as const },
    ]) {
      const e = await kw.provider.createKey(bad).catch((x: unknown) => x)
      expect(isKeywardError(e, 'UnsupportedOperation.ComplianceProfile')).toBe(true)
    }
    const r = await checkCompliance(kw)
    const module = r.findings.find((f) => f.check === 'crypto-module')
    expect(module?.severity).toBe(state.fipsActive ? 'info' : 'warning')
    if (!state.fipsActive) expect(module?.message).toMatch(/^This deployment is NOT FIPS-validated/)
    expect(module?.requirements).toEqual(['FIPS 140-3 CMVP validation of the module that performs the cryptography'])
    expect(r.ok).toBe(true)
  })
})
