import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeywardError } from '@keyward/core'
import { expectOneClassProvider, expectRefusedAsCoreChecks } from '@keyward/test-support'
import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { ok, startStubKms, stubProvider, type StubKms } from './stub-kms-server.js'

const SECRET = 'shape-test-secret-key-0123456789'

let stub: StubKms
beforeAll(async () => {
  stub = await startStubKms(() => ok({ Plaintext: Buffer.alloc(4, 7).toString('base64') }))
})
afterAll(() => stub.close())

describe('TencentKmsKeyProvider shape', () => {
  it('is one class: no parent class, and every KeyProvider method is its own', () => {
    expectOneClassProvider(TencentKmsKeyProvider)
  })

  it('keeps options, credentials and the caller private; JSON and inspect show only name, region, endpoint', async () => {
    const kms = stubProvider(stub, { credentials: { secretId: 'AKIDshape', secretKey: SECRET }, name: 'cloud' })
    expect(await kms.generateRandom(4)).toHaveLength(4)
    expect(Object.keys(kms).sort()).toEqual(['capabilities', 'name', 'region'])
    expect('options' in kms).toBe(false)
    expect(Object.keys(JSON.parse(JSON.stringify(kms))).sort()).toEqual(['endpoint', 'name', 'region'])
    expect(inspect(kms)).toMatch(/^TencentKmsKeyProvider \{ name: 'cloud', region: '[a-z-]+', endpoint: '[^']+' \}$/)
    expect([inspect(kms, { depth: 10, showHidden: true }), JSON.stringify(kms)].join('\n')).not.toContain(SECRET)
    await kms.close()
    expect(((await kms.generateRandom(4).catch((x: unknown) => x)) as KeywardError).code).toBe(
      'FailedOperation.ProviderUnavailable',
    )
  })

  it("refuses a bad request exactly as core's request check does, before any round trip", async () => {
    const kms = stubProvider(stub)
    const before = stub.requests.length
    await expectRefusedAsCoreChecks(kms)
    expect(stub.requests.length).toBe(before)
  })
})
