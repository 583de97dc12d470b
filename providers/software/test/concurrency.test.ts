import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeCiphertextBlob } from '@keyward/core'
import { codeOf, tempDir } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'

describe('concurrent use', () => {
  let tmp: ReturnType<typeof tempDir>
  let path: string
  const root = randomBytes(32)
  const open = (): SoftwareKeyProvider =>
    new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(root) })
  beforeEach(() => {
    tmp = tempDir('keyward-concurrent-')
    path = join(tmp.dir, 'keys.db')
  })
  afterEach(() => tmp.remove())

  it('parallel rotations and encryptions on one provider keep versions consistent', async () => {
    const p = open()
    const { keyId } = await p.createKey({ alias: 'busy' })
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => p.rotateKey(keyId)),
      ...Array.from({ length: 20 }, (_, i) => p.encrypt({ keyId, plaintext: Buffer.from(`m${i}`) })),
    ])
    expect((await p.getKeyRotationStatus(keyId)).keyVersionCount).toBe(11)
    for (const r of results.slice(10) as { ciphertextBlob: string }[]) {
      expect(decodeCiphertextBlob(r.ciphertextBlob).keyVersion).toBeLessThanOrEqual(11)
      expect((await p.decrypt(r)).keyId).toBe(keyId)
    }
    const aliases = await Promise.all(Array.from({ length: 5 }, () => codeOf(() => p.createKey({ alias: 'same' }))))
    expect(aliases.filter((c) => c === 'no error')).toHaveLength(1)
    expect(aliases.filter((c) => c === 'InvalidParameterValue.AliasAlreadyExists')).toHaveLength(4)
    await p.close()
  })

  it("two providers on the same SQLite file see each other's keys and rotations", async () => {
    const a = open()
    const b = open()
    const { keyId } = await a.createKey({ alias: 'shared' })
    const first = await b.encrypt({ keyId, plaintext: Buffer.from('from b') })
    await a.rotateKey(keyId)
    const second = await b.encrypt({ keyId, plaintext: Buffer.from('after rotation') })
    expect(decodeCiphertextBlob(second.ciphertextBlob).keyVersion).toBe(2)
    expect(Buffer.from((await a.decrypt(first)).plaintext).toString()).toBe('from b')
    expect(Buffer.from((await a.decrypt(second)).plaintext).toString()).toBe('after rotation')
    await b.disableKey(keyId)
    expect(await codeOf(() => a.decrypt(first))).toBe('ResourceUnavailable.CmkDisabled')
    await Promise.all([a.close(), b.close()])
  })

  it('a caller-chosen KeyId (EXTERNAL keys, for migration) must be free and UUID-shaped', async () => {
    const p = open()
    const chosen = '3b1f0c9e-5d2a-4c7b-8e6f-1a2b3c4d5e6f'
    const k = await p.createKey({ alias: 'chosen', type: 2, keyId: chosen })
    expect(k.keyId).toBe(chosen)
    expect(await codeOf(() => p.createKey({ alias: 'chosen2', type: 2, keyId: chosen }))).toBe('InvalidParameterValue')
    expect(await codeOf(() => p.createKey({ alias: 'chosen3', keyId: '4c2f0c9e-5d2a-4c7b-8e6f-1a2b3c4d5e6f' }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(() => p.createKey({ alias: 'chosen4', type: 2, keyId: 'migrated-key-1' }))).toBe(
      'InvalidParameterValue.InvalidKeyId',
    )
    await p.close()
  })
})
