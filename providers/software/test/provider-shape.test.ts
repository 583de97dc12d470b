import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { MemoryKeyStore, type KeywardError } from '@keyward/core'
import { expectOneClassProvider, expectRefusedAsCoreChecks } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'

describe('SoftwareKeyProvider shape', () => {
  it('is one class: no parent class, and every KeyProvider method is its own', () => {
    expectOneClassProvider(SoftwareKeyProvider, ['exportWrappedKeyMaterial'])
  })

  it('keeps its state private: only name and capabilities are properties; JSON and inspect redact; close shows', async () => {
    const bytes = randomBytes(32)
    const provider = new SoftwareKeyProvider({
      store: new MemoryKeyStore(),
      rootKey: RootKey.fromBytes(bytes),
      name: 'vault',
    })
    await provider.createKey({ alias: 'shape' })
    expect(Object.keys(provider).sort()).toEqual(['capabilities', 'name'])
    expect(JSON.parse(JSON.stringify(provider))).toEqual({ name: 'vault', closed: false, store: 'MemoryKeyStore' })
    const shown = [inspect(provider, { depth: 10, showHidden: true }), JSON.stringify(provider)].join('\n')
    for (const secret of [bytes.toString('hex'), bytes.toString('base64')]) expect(shown).not.toContain(secret)
    expect(inspect(provider)).toBe("SoftwareKeyProvider { name: 'vault', store: MemoryKeyStore, rootKey: [REDACTED] }")
    await provider.close()
    expect(JSON.parse(JSON.stringify(provider)).closed).toBe(true)
    expect(inspect(provider)).toContain('[REDACTED], closed')
    const e = await provider.describeKey('a').catch((x: unknown) => x)
    expect((e as KeywardError).code).toBe('FailedOperation.ProviderUnavailable')
  })

  it("refuses a bad request exactly as core's request check does (one check, in one place)", async () => {
    const provider = new SoftwareKeyProvider({
      store: new MemoryKeyStore(),
      rootKey: RootKey.fromBytes(randomBytes(32)),
    })
    await expectRefusedAsCoreChecks(provider)
    await provider.close()
  })
})
