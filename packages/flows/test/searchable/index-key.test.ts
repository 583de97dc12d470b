import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DecryptRequest, DecryptResult, KeyProvider } from '@keyward/core'
import {
  BlindIndex,
  INDEX_KEY_CONTEXT,
  IndexKey,
  normalizeMobileCN,
  normalizeText,
  type IndexKeyProvider,
} from '@keyward/flows/searchable'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { rawIndexKey, softwareWithCmk } from './helpers.js'

let provider: SoftwareKeyProvider
let cmkId: string
let otherCmk: string

beforeAll(async () => {
  ;({ provider, cmkId } = await softwareWithCmk())
  otherCmk = (await provider.createKey({ alias: 'other' })).keyId
})
afterAll(async () => {
  await provider.close()
})

/** The real provider, with its Decrypt calls counted and their plaintexts kept (to see them zeroed). */
function observed(p: KeyProvider): { provider: IndexKeyProvider; decrypts: number; plaintexts: Uint8Array[] } {
  const o = {
    decrypts: 0,
    plaintexts: [] as Uint8Array[],
    provider: {
      generateDataKey: p.generateDataKey.bind(p),
      encrypt: p.encrypt.bind(p),
      decrypt: async (req: DecryptRequest): Promise<DecryptResult> => {
        o.decrypts++
        const r = await p.decrypt(req)
        o.plaintexts.push(r.plaintext)
        return r
      },
    },
  }
  return o
}

const phoneOf = (key: IndexKey) =>
  BlindIndex.create({ key, table: 'customers', field: 'phone', normalize: normalizeMobileCN, bits: 16 })

describe('IndexKey: one Decrypt per process, cached, zeroed on close', () => {
  it('many indexes and computations, concurrent first uses included, cost exactly one Decrypt', async () => {
    const blob = await IndexKey.generate(provider, cmkId)
    const o = observed(provider)
    const key = new IndexKey({ provider: o.provider, ...blob })
    const indexes = await Promise.all(
      ['phone', 'mobile', 'id_number', 'email', 'card'].map((field) =>
        BlindIndex.create({ key, table: 'customers', field, normalize: normalizeText, bits: 16 }),
      ),
    )
    for (let i = 0; i < 1000; i++) for (const ix of indexes) ix.index(`v${i}`)
    await key.open()
    expect(o.decrypts).toBe(1)
    key.close()
  })

  it('close zeroes the unwrapped key (the very bytes the provider returned) and stops every index built on it', async () => {
    const blob = await IndexKey.generate(provider, cmkId)
    const o = observed(provider)
    const key = new IndexKey({ provider: o.provider, ...blob })
    const phone = await phoneOf(key)
    const before = phone.index('13800138000')
    expect(Buffer.from(o.plaintexts[0] as Uint8Array).equals(await rawIndexKey(provider, blob))).toBe(true)
    key.close()
    expect(key.closed).toBe(true)
    expect([...(o.plaintexts[0] as Uint8Array)].every((b) => b === 0)).toBe(true)
    expect(() => phone.index('13800138000')).toThrow(
      expect.objectContaining({ code: 'FailedOperation.ProviderUnavailable' }),
    )
    await expect(phoneOf(key)).rejects.toMatchObject({ code: 'FailedOperation.ProviderUnavailable' })
    await expect(key.open()).rejects.toMatchObject({ code: 'FailedOperation.ProviderUnavailable' })
    key.close() // idempotent
    // Another process (here: another IndexKey over the same blob) computes the same index.
    const again = new IndexKey({ provider, ...blob })
    expect((await phoneOf(again)).index('+86 138 0013 8000')).toBe(before)
    again.close()
  })

  it('a close while the Decrypt is in flight zeroes its result when it lands and fails the open', async () => {
    const o = observed(provider)
    const key = new IndexKey({ provider: o.provider, ...(await IndexKey.generate(provider, cmkId)) })
    const opening = key.open()
    key.close()
    await expect(opening).rejects.toMatchObject({ code: 'FailedOperation.ProviderUnavailable' })
    expect(o.plaintexts).toHaveLength(1)
    expect([...(o.plaintexts[0] as Uint8Array)].every((b) => b === 0)).toBe(true)
  })

  it('a failed open is not remembered: with the CMK disabled it fails, once re-enabled the same IndexKey opens', async () => {
    const cmk = (await provider.createKey({ alias: 'flappy' })).keyId
    const key = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmk)) })
    await provider.disableKey(cmk)
    await expect(phoneOf(key)).rejects.toMatchObject({ code: 'ResourceUnavailable.CmkDisabled' })
    await provider.enableKey(cmk)
    expect((await phoneOf(key)).index('13800138000')).toMatch(/^[0-9a-f]{4}$/)
    key.close()
  })
})

describe('IndexKey: the blob is bound to its CMK, its context and its purpose', () => {
  it('a blob under another CMK than the configured keyId is refused, with the fixed decryption message', async () => {
    const blob = await IndexKey.generate(provider, otherCmk)
    const key = new IndexKey({ provider, ciphertextBlob: blob.ciphertextBlob, keyId: cmkId })
    await expect(key.open()).rejects.toMatchObject({ code: 'InvalidParameterValue.InvalidCiphertext' })
    const right = new IndexKey({ provider, ...blob })
    await expect(right.open()).resolves.toBeUndefined()
    right.close()
  })

  it('the context is bound by the KMS: a custom one must be given again; an envelope data key is not an index key', async () => {
    const blob = await IndexKey.generate(provider, cmkId, {
      encryptionContext: { purpose: 'keyward-blind-index', app: 'crm' },
    })
    await expect(new IndexKey({ provider, ...blob }).open()).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
    const k = new IndexKey({ provider, ...blob, encryptionContext: { app: 'crm', purpose: 'keyward-blind-index' } })
    await expect(k.open()).resolves.toBeUndefined()
    k.close()
    // A data key made for something else (no context): refused, not silently used as an index key.
    const dk = await provider.generateDataKey({ keyId: cmkId })
    dk.dispose()
    await expect(new IndexKey({ provider, ciphertextBlob: dk.ciphertextBlob }).open()).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
    // The right context but a 16-byte key: refused for its length.
    const short = await provider.generateDataKey({
      keyId: cmkId,
      keySpec: 'AES_128',
      encryptionContext: INDEX_KEY_CONTEXT,
    })
    short.dispose()
    await expect(new IndexKey({ provider, ciphertextBlob: short.ciphertextBlob }).open()).rejects.toThrow(
      /16-byte key, not a 32-byte index key/,
    )
    // A tampered blob.
    const good = await IndexKey.generate(provider, cmkId)
    const bad =
      good.ciphertextBlob.slice(0, -6) +
      (good.ciphertextBlob.endsWith('AAAA') ? 'BBBB' : 'AAAA') +
      good.ciphertextBlob.slice(-2)
    await expect(new IndexKey({ provider, ciphertextBlob: bad }).open()).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidCiphertext',
    })
  })

  it('wrapFor copies the key under another CMK: either blob gives the same indexes', async () => {
    const key = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)) })
    const copy = await key.wrapFor(provider, otherCmk)
    expect(copy.keyId).toBe(otherCmk)
    const fromCopy = new IndexKey({ provider, ...copy })
    expect((await phoneOf(fromCopy)).index('13800138000')).toBe((await phoneOf(key)).index('13800138000'))
    key.close()
    fromCopy.close()
  })

  it('refuses bad arguments before calling the provider', async () => {
    expect(() => new IndexKey({ provider, ciphertextBlob: '' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    )
    expect(() => new IndexKey({ provider, ciphertextBlob: 'x'.repeat(70_000) })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    )
    expect(() => new IndexKey({ provider: undefined as never, ciphertextBlob: 'x' })).toThrow(
      expect.objectContaining({ code: 'MissingParameter' }),
    )
    for (const version of ['V2', 'v-2', 'v_2', '', 'x'.repeat(17), 2]) {
      expect(
        () => new IndexKey({ provider, ciphertextBlob: 'x', version: version as string }),
        String(version),
      ).toThrow(/version must be 1-16/)
    }
    expect(() => new IndexKey({ provider, ciphertextBlob: 'x', keyId: 'not a key id!' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue.InvalidKeyId' }),
    )
    expect(() => new IndexKey({ provider, ciphertextBlob: 'x', encryptionContext: { a: 1 } as never })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    )
    await expect(IndexKey.generate(provider, '')).rejects.toMatchObject({ code: 'MissingParameter' })
    await expect(IndexKey.generate(undefined as never, cmkId)).rejects.toMatchObject({ code: 'MissingParameter' })
    await expect(IndexKey.generate(provider, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      code: 'ResourceUnavailable.CmkNotFound',
    })
    const key = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)) })
    await expect(key.wrapFor(provider, 'bad id')).rejects.toMatchObject({ code: 'InvalidParameterValue.InvalidKeyId' })
    key.close()
  })

  it('inspect and JSON show the blob and KeyId, never the key', async () => {
    const blob = await IndexKey.generate(provider, cmkId)
    const key = new IndexKey({ provider, ...blob, version: 'v3' })
    await key.open()
    const raw = await rawIndexKey(provider, blob)
    for (const t of [inspect(key), JSON.stringify(key), inspect(key, { showHidden: true, depth: 9 })]) {
      expect(t).not.toContain(raw.toString('hex'))
      expect(t).not.toContain(raw.toString('base64'))
    }
    expect(inspect(key)).toBe(`IndexKey { keyId: ${cmkId}, version: v3, key: [REDACTED] }`)
    key.close()
  })
})
