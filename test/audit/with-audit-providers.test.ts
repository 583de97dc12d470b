import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryAuditSink, MemoryKeyStore, REDACTED, withAudit, type KeyProvider } from '@keyward/core'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { codeOf, createTestToken } from '@keyward/test-support'
import { startServe } from '../../providers/tencent-kms/test/serve-harness.js'

// withAudit on the real providers: members that read #private fields (toJSON, inspect, PKCS#11 connect) must run
// on the provider, not on the wrapper, and every KMS call still lands in the sink exactly once.

/** The wrapper behaves as the provider for JSON, inspect and instanceof, and audits a round trip and a failure. */
async function auditsRoundTrip(
  provider: KeyProvider,
  cls: abstract new (...a: never[]) => unknown,
  keyId?: string,
): Promise<MemoryAuditSink> {
  const sink = new MemoryAuditSink()
  const audited = withAudit(provider, sink, { principal: 'svc-orders' })
  expect(JSON.stringify(audited)).toBe(JSON.stringify(provider))
  expect(inspect(audited)).toBe(inspect(provider))
  expect(audited).toBeInstanceOf(cls)
  expect(audited.name).toBe(provider.name)
  expect(audited.capabilities).toBe(provider.capabilities)
  expect(audited.encrypt).toBe(audited.encrypt)
  const id = keyId ?? (await audited.createKey({ alias: `audit-${randomBytes(4).toString('hex')}` })).keyId
  const { ciphertextBlob } = await audited.encrypt({ keyId: id, plaintext: Buffer.from('转账 100 元') })
  expect((await audited.decrypt({ ciphertextBlob })).plaintext.toString()).toBe('转账 100 元')
  expect(await codeOf(audited.describeKey('00000000-0000-4000-8000-000000000000'))).toBe(
    'ResourceUnavailable.CmkNotFound',
  )
  const events = sink.events.slice(keyId ? 0 : 1)
  expect(events.map((e) => [e.action, e.keyId, e.result, e.principal, e.provider])).toEqual([
    ['Encrypt', id, 'Success', 'svc-orders', provider.name],
    ['Decrypt', id, 'Success', 'svc-orders', provider.name],
    [
      'DescribeKey',
      '00000000-0000-4000-8000-000000000000',
      'ResourceUnavailable.CmkNotFound',
      'svc-orders',
      provider.name,
    ],
  ])
  expect(JSON.stringify(sink.events)).not.toContain('转账')
  return sink
}

describe('withAudit on the software provider', () => {
  it('toJSON and inspect reach the #private state and stay redacted; close closes the provider', async () => {
    const provider = new SoftwareKeyProvider({
      store: new MemoryKeyStore(),
      rootKey: RootKey.fromBytes(randomBytes(32)),
    })
    await auditsRoundTrip(provider, SoftwareKeyProvider)
    const audited = withAudit(provider, new MemoryAuditSink())
    expect(inspect(audited)).toContain(REDACTED)
    await audited.close()
    expect(JSON.stringify(provider)).toContain('"closed":true')
    expect(await codeOf(audited.generateRandom(4))).toBe('FailedOperation.ProviderUnavailable')
  })
})

describe('withAudit on PKCS#11 (SoftHSM2)', () => {
  const token = createTestToken('softhsm2')
  const provider = new Pkcs11KeyProvider({ ...token.options, store: new MemoryKeyStore() })
  afterAll(async () => {
    await provider.close()
    await token.remove()
  })

  it('connect and tokenPlan (which read #private fields) work through the wrapper', async () => {
    const audited = withAudit(provider, new MemoryAuditSink())
    await expect(audited.connect()).resolves.toBeUndefined()
    expect(audited.tokenPlan()).toBeTruthy()
    await auditsRoundTrip(provider, Pkcs11KeyProvider)
  })
})

describe('withAudit on the Tencent provider (against a local keyward serve)', () => {
  it("audits calls that travel through the real Tencent SDK; toJSON and inspect are the provider's", async () => {
    const serve = await startServe()
    const provider = serve.provider()
    try {
      const keyId = (await provider.createKey({ alias: 'audit-tencent' })).keyId
      const sink = await auditsRoundTrip(provider, TencentKmsKeyProvider, keyId)
      const audited = withAudit(provider, sink)
      const { plaintext } = await audited.generateDataKey({ keyId, keySpec: 'AES_256' })
      expect(plaintext).toHaveLength(32)
      expect(sink.events.at(-1)).toMatchObject({ action: 'GenerateDataKey', keyId, result: 'Success' })
      expect(inspect(audited)).not.toContain(serve.credentials.secretKey)
    } finally {
      await provider.close()
      await serve.close()
    }
  })
})
