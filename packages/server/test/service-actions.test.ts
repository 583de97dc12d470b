import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server-harness.js'
import { codeOf } from '@keyward/test-support'

describe('service Actions through the SDK', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true, regions: ['ap-guangzhou', 'ap-shanghai'] })
  })
  afterAll(async () => {
    await t.close()
  })

  it('ListAlgorithms lists what the provider can do', async () => {
    const r = await t.admin.ListAlgorithms()
    expect(r.SymmetricAlgorithms!.map((a) => a.Algorithm)).toEqual(['AES_256', 'SM4'])
    expect(r.AsymmetricAlgorithms!.map((a) => a.KeyUsage)).toEqual([
      'ASYMMETRIC_DECRYPT_RSA_2048',
      'ASYMMETRIC_DECRYPT_SM2',
    ])
    expect(r.AsymmetricSignVerifyAlgorithms!.map((a) => a.Algorithm)).toEqual(['SM2', 'RSA_2048', 'ECC_P256'])
  })

  it('GetServiceStatus and GetRegions', async () => {
    await t.admin.CreateKey({ Alias: 'counted' })
    const s = await t.admin.GetServiceStatus()
    expect(s).toMatchObject({ ServiceEnabled: true, CmkUserCount: 1, IsAllowedDataKeyHosted: true })
    expect((await t.admin.GetRegions()).Regions).toEqual(['ap-guangzhou', 'ap-shanghai'])
  })

  it('an unknown Action is InvalidAction', async () => {
    expect(await codeOf(t.admin.request('DescribeInstances', {}))).toBe('InvalidAction')
    expect(await codeOf(t.admin.request('constructor', {}))).toBe('InvalidAction')
    expect(await codeOf(t.admin.request('__proto__', {}))).toBe('InvalidAction')
  })
})
