import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  DataKey,
  KeywardError,
  MemoryAuditSink,
  MemoryKeyStore,
  SecretString,
  canonicalEncryptionContext,
  checkAlias,
  checkCreateKey,
  checkSignRequest,
  checkPendingWindow,
  fromBase64,
  fromHex,
  newKeyMetadata,
  toBase64,
  withAudit,
  type KeyProvider,
} from '@keyward/core'
import { codeOf } from '@keyward/test-support'

describe('input checks', () => {
  it('strict base64 rejects what Node would silently drop', async () => {
    expect(fromBase64(toBase64(Buffer.from('hello')))).toEqual(Buffer.from('hello'))
    expect(await codeOf(() => fromBase64('aGVsbG8'))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromBase64('aGVs bG8='))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromBase64('aGVs*G8='))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromHex('abc'))).toBe('InvalidParameterValue')
  })
  it('unpadded base64 only when asked for (Tencent accepts it), and never an impossible length or stray padding', async () => {
    const loose = { allowUnpadded: true }
    expect(fromBase64('aGVsbG8', 'p', loose)).toEqual(Buffer.from('hello'))
    expect(fromBase64('dGVzdCUyMHBsYWluJTIwdGV4dA', 'p', loose).toString()).toBe('test%20plain%20text')
    expect(fromBase64('aGVsbG8=', 'p', loose)).toEqual(Buffer.from('hello'))
    expect(await codeOf(() => fromBase64('aGVsb', 'p', loose))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromBase64('aGVsbG8==', 'p', loose))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromBase64('aG=sbG8', 'p', loose))).toBe('InvalidParameterValue')
    expect(await codeOf(() => fromBase64('aGVs bG8', 'p', loose))).toBe('InvalidParameterValue')
  })
  it('aliases follow Tencent rules', async () => {
    expect(await codeOf(() => checkAlias('orders-key_1'))).toBe('no error')
    expect(await codeOf(() => checkAlias('KMS-x'))).toBe('InvalidParameterValue.InvalidAlias')
    expect(await codeOf(() => checkAlias('a b'))).toBe('InvalidParameterValue.InvalidAlias')
    expect(await codeOf(() => checkAlias('x'.repeat(61)))).toBe('InvalidParameterValue.InvalidAlias')
  })
  it('sign requests: RAW ≤ 4096, DIGEST = 32', async () => {
    const base = { keyId: 'k-1', algorithm: 'SM2DSA' as const }
    expect(checkSignRequest({ ...base, message: Buffer.alloc(4096) })).toBe('RAW')
    expect(await codeOf(() => checkSignRequest({ ...base, message: Buffer.alloc(4097) }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => checkSignRequest({ ...base, message: Buffer.alloc(31), messageType: 'DIGEST' }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => checkSignRequest({ ...base, algorithm: 'MD5' as never, message: Buffer.alloc(3) }))).toBe(
      'InvalidParameterValue',
    )
  })
  it('a caller-chosen KeyId is valid only for EXTERNAL keys', async () => {
    const uuid = '6f1d3c2a-8b4e-4f5a-9c7d-0e1f2a3b4c5d'
    expect(await codeOf(() => checkCreateKey({ alias: 'm', type: 2, keyId: uuid }))).toBe('no error')
    expect(await codeOf(() => checkCreateKey({ alias: 'm', keyId: uuid }))).toBe('InvalidParameterValue')
    // A chosen KeyId has the shape of a generated one: readable names cannot be squatted before a migration needs them.
    for (const squat of ['orders', 'abc-123', uuid.toUpperCase(), `${uuid}0`, uuid.replace(/-/g, '')]) {
      expect(await codeOf(() => checkCreateKey({ alias: 'm', type: 2, keyId: squat })), squat).toBe(
        'InvalidParameterValue.InvalidKeyId',
      )
    }
    expect(await codeOf(() => checkCreateKey({ alias: 'm', type: 2, keyId: 'bad id' }))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
  })
  it('deletion window is 7-30 days', async () => {
    expect(await codeOf(() => checkPendingWindow(6))).toBe('InvalidParameter.InvalidPendingWindowInDays')
    expect(await codeOf(() => checkPendingWindow(31))).toBe('InvalidParameter.InvalidPendingWindowInDays')
    expect(await codeOf(() => checkPendingWindow(7))).toBe('no error')
  })
  it('canonical encryption context ignores key order', () => {
    expect(canonicalEncryptionContext({ b: '2', a: '1' })).toEqual(canonicalEncryptionContext({ a: '1', b: '2' }))
    expect(canonicalEncryptionContext({})).toHaveLength(0)
    expect(canonicalEncryptionContext({ a: '1' })).not.toEqual(canonicalEncryptionContext({ a: '2' }))
  })
})

describe('secrets never print', () => {
  it('DataKey and SecretString redact in JSON and inspect, and dispose zeroes', () => {
    const dk = new DataKey('k', Buffer.from('0123456789abcdef'), 'blob')
    expect(JSON.stringify(dk)).not.toContain('0123456789')
    expect(inspect(dk)).not.toContain('0123456789')
    dk.dispose()
    expect([...dk.plaintext].every((b) => b === 0)).toBe(true)
    const s = new SecretString('hunter2')
    expect(`${s}${JSON.stringify({ s })}${inspect(s)}`).not.toContain('hunter2')
    expect(s.reveal()).toBe('hunter2')
  })
})

describe('withAudit', () => {
  it('records success and failure with the Tencent action name, never payloads', async () => {
    const fake = {
      name: 'fake',
      capabilities: {} as never,
      describeKey: async (keyId: string) => ({ keyId }),
      encrypt: async () => {
        throw new KeywardError('ResourceUnavailable.CmkDisabled', 'off')
      },
      close: async () => {},
    } as unknown as KeyProvider
    const sink = new MemoryAuditSink()
    const p = withAudit(fake, sink, { principal: 'alice' })
    await p.describeKey('k-1')
    await expect(p.encrypt({ keyId: 'k-2', plaintext: Buffer.from('secret!') })).rejects.toThrow()
    expect(sink.events.map((e) => [e.action, e.keyId, e.result, e.principal])).toEqual([
      ['DescribeKey', 'k-1', 'Success', 'alice'],
      ['Encrypt', 'k-2', 'ResourceUnavailable.CmkDisabled', 'alice'],
    ])
    expect(JSON.stringify(sink.events)).not.toContain('secret!')
  })
})

import { blobAad, blobHeader, decodeCiphertextBlob, encodeCiphertextBlob } from '@keyward/core'

describe('ciphertext blob codec', () => {
  it('round-trips and names key and version', () => {
    const h = blobHeader('SM4-GCM', 'k-1', 3)
    const blob = encodeCiphertextBlob(h, Buffer.alloc(12, 1), Buffer.alloc(16, 2), Buffer.from('ct'))
    const p = decodeCiphertextBlob(blob)
    expect([p.cipher, p.keyId, p.keyVersion, p.ciphertext.toString()]).toEqual(['SM4-GCM', 'k-1', 3, 'ct'])
    expect(blobAad(p.header, { a: '1' }).subarray(0, h.length)).toEqual(h)
  })
  it('rejects garbage and truncation with the one decryption code', async () => {
    const blob = encodeCiphertextBlob(
      blobHeader('AES-256-GCM', 'k', 1),
      Buffer.alloc(12),
      Buffer.alloc(16),
      Buffer.alloc(0),
    )
    for (const bad of ['', 'abc', 'not base64!', blob.slice(0, 20), Buffer.from('XX').toString('base64')]) {
      expect(await codeOf(() => decodeCiphertextBlob(bad))).toBe('InvalidParameterValue.InvalidCiphertext')
    }
  })
})

describe('MemoryKeyStore', () => {
  it('a KeyId is never reused: deleting a key leaves a tombstone; its alias is free again', async () => {
    const store = new MemoryKeyStore()
    const meta = (keyId: string, alias: string) => newKeyMetadata({ keyId, alias }, 1, 1)
    await store.insertKey(meta('k1', 'a'))
    await store.deleteKey('k1')
    await expect(store.insertKey(meta('k1', 'b'))).rejects.toMatchObject({ code: 'InvalidParameterValue' })
    await store.insertKey(meta('k2', 'a'))
    expect((await store.listKeys()).keys.map((k) => k.keyId)).toEqual(['k2'])
  })
})
