import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { newKeyMetadata, type KeyMetadata } from '@keyward/core'
import { SqlKeyStore, openSqliteDb, type SqlDb } from '@keyward/server'
import { tempDir } from '@keyward/test-support'
import { migrate } from '../src/store/schema.js'

const meta = (keyId: string, alias: string): KeyMetadata => newKeyMetadata({ keyId, alias }, 1, 1)

describe('SQL stores on SQLite', () => {
  let cleanup: Array<() => void | Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })
  async function db(): Promise<SqlDb> {
    const tmp = tempDir('keyward-sql-')
    const d = openSqliteDb(join(tmp.dir, 'x.db'))
    await migrate(d)
    cleanup.push(
      () => tmp.remove(),
      () => d.close(),
    )
    return d
  }

  it('a write issued while a transaction awaits is not swallowed by its rollback', async () => {
    const d = await db()
    await d.run('CREATE TABLE t (v TEXT)')
    let outside: Promise<number> | undefined
    await expect(
      d.transaction(async (tx) => {
        await tx.run("INSERT INTO t (v) VALUES ('inside')")
        outside = d.run("INSERT INTO t (v) VALUES ('outside')")
        await new Promise((r) => setTimeout(r, 20))
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    await outside
    expect((await d.all('SELECT v FROM t')).map((r) => r['v'])).toEqual(['outside'])
  })

  it('SqlKeyStore keeps the KeyStore contract: aliases unique, versions numbered, records replaced, delete cascades', async () => {
    const store = await SqlKeyStore.over(await db())
    await store.insertKey(meta('k1', 'one'))
    await expect(store.insertKey(meta('k2', 'one'))).rejects.toMatchObject({
      code: 'InvalidParameterValue.AliasAlreadyExists',
    })
    await store.insertKey(meta('k2', 'two'))
    await expect(store.updateKey('k2', { alias: 'one' })).rejects.toMatchObject({
      code: 'InvalidParameterValue.AliasAlreadyExists',
    })
    expect((await store.updateKey('k2', { description: 'd' })).description).toBe('d')
    await expect(store.updateKey('nope', { description: 'd' })).rejects.toMatchObject({
      code: 'ResourceUnavailable.CmkNotFound',
    })
    expect((await store.getKeyByAlias('two'))?.keyId).toBe('k2')
    const versions = await Promise.all([1, 2, 3].map((i) => store.addVersion('k1', Buffer.from([i]))))
    expect(versions.sort()).toEqual([1, 2, 3])
    expect(await store.latestVersion('k1')).toBe(3)
    expect(Buffer.from((await store.getVersion('k1', 2))!)).toHaveLength(1)
    await expect(store.addVersion('nope', Buffer.from([1]))).rejects.toMatchObject({
      code: 'ResourceUnavailable.CmkNotFound',
    })
    await store.putRecord('k1', 'token', Buffer.from('a'))
    await store.putRecord('k1', 'token', Buffer.from('b'))
    expect(Buffer.from((await store.getRecord('k1', 'token'))!).toString()).toBe('b')
    await store.putRecord('k1', 'token', undefined)
    expect(await store.getRecord('k1', 'token')).toBeUndefined()
    expect((await store.listKeys({ searchKeyAlias: 'tw' })).keys.map((k) => k.keyId)).toEqual(['k2'])
    await store.deleteVersions('k1')
    expect(await store.latestVersion('k1')).toBe(0)
    await store.deleteKey('k1')
    expect(await store.getKey('k1')).toBeUndefined()
    // A KeyId is never reused: the deleted key's id stays reserved, its alias is free again.
    await expect(store.insertKey(meta('k1', 'other'))).rejects.toMatchObject({ code: 'InvalidParameterValue' })
    await store.insertKey(meta('k3', 'one'))
  })
})
