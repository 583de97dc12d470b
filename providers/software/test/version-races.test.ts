import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryKeyStore, decodeCiphertextBlob, newKeyMetadata, type KeyMetadata, type KeyStore } from '@keyward/core'
import { tempDir } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'

function meta(keyId: string): KeyMetadata {
  return newKeyMetadata({ keyId, alias: keyId }, 1, 1)
}

/** A store without the optional addVersionWith (like a third-party KeyStore), sharing another store's data. */
function withoutAtomicVersions(inner: KeyStore): KeyStore {
  return {
    insertKey: (m) => inner.insertKey(m),
    getKey: (k) => inner.getKey(k),
    getKeyByAlias: (a) => inner.getKeyByAlias(a),
    listKeys: (f) => inner.listKeys(f),
    updateKey: (k, p) => inner.updateKey(k, p),
    deleteKey: (k) => inner.deleteKey(k),
    addVersion: (k, m) => inner.addVersion(k, m),
    getVersion: (k, v) => inner.getVersion(k, v),
    latestVersion: (k) => inner.latestVersion(k),
    deleteVersions: (k) => inner.deleteVersions(k),
    putRecord: (k, n, v) => inner.putRecord(k, n, v),
    getRecord: (k, n) => inner.getRecord(k, n),
    close: async () => undefined,
  }
}

describe('key versions under concurrent writers', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    tmp = tempDir('keyward-versions-')
  })
  afterEach(() => tmp.remove())

  it.each(['memory', 'sqlite'] as const)('addVersionWith numbers and stores atomically (%s)', async (kind) => {
    const store: KeyStore = kind === 'memory' ? new MemoryKeyStore() : SqliteKeyStore.open(join(tmp.dir, 'k.db'))
    await store.insertKey(meta('k1'))
    const made = await Promise.all(
      Array.from({ length: 5 }, () => store.addVersionWith!('k1', (v) => Buffer.from(`v${v}`))),
    )
    expect(made.sort()).toEqual([1, 2, 3, 4, 5])
    for (const v of made) expect(Buffer.from((await store.getVersion('k1', v)) ?? []).toString()).toBe(`v${v}`)
    await store.close()
  })

  it('two providers rotating one key in one SQLite file: every version opens and the count is right', async () => {
    const root = randomBytes(32)
    const path = join(tmp.dir, 'shared.db')
    const [a, b] = [0, 1].map(
      () => new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(root) }),
    ) as [SoftwareKeyProvider, SoftwareKeyProvider]
    const { keyId } = await a.createKey({ alias: 'raced' })
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).rotateKey(keyId)))
    expect((await b.describeKey(keyId)).keyVersionCount).toBe(7)
    const blob = await a.encrypt({ keyId, plaintext: Buffer.from('after the race') })
    expect(decodeCiphertextBlob(blob.ciphertextBlob).keyVersion).toBe(7)
    expect(Buffer.from((await b.decrypt(blob)).plaintext).toString()).toBe('after the race')
    await Promise.all([a.close(), b.close()])
  })

  it('a store without addVersionWith: a lost race leaves a dead version, followed by a correct newest one', async () => {
    const shared = new MemoryKeyStore()
    const root = randomBytes(32)
    const [a, b] = [0, 1].map(
      () => new SoftwareKeyProvider({ store: withoutAtomicVersions(shared), rootKey: RootKey.fromBytes(root) }),
    ) as [SoftwareKeyProvider, SoftwareKeyProvider]
    const { keyId } = await a.createKey({ alias: 'raced' })
    await Promise.all([a.rotateKey(keyId), b.rotateKey(keyId)])
    const status = await a.getKeyRotationStatus(keyId)
    expect(status.keyVersionCount).toBe(await shared.latestVersion(keyId))
    // Both predicted version 2; the loser's row (3) names version 2 and is dead; its retry added 4.
    expect(status.keyVersionCount).toBe(4)
    const blob = await b.encrypt({ keyId, plaintext: Buffer.from('still works') })
    expect(Buffer.from((await a.decrypt(blob)).plaintext).toString()).toBe('still works')
    await Promise.all([a.close(), b.close()])
  })
})
