import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newKeyMetadata, type KeyMetadata } from '@keyward/core'
import { codeOf, tempDir } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'

function meta(keyId: string, alias: string, createTime = 1): KeyMetadata {
  return newKeyMetadata({ keyId, alias }, createTime, 1)
}

describe('SqliteKeyStore', () => {
  let tmp: ReturnType<typeof tempDir>
  let path: string
  beforeEach(() => {
    tmp = tempDir('keyward-sqlite-')
    path = join(tmp.dir, 'keys.db')
  })
  afterEach(() => tmp.remove())

  it('creates the file and its WAL with mode 0600 and records the schema version', async () => {
    const store = SqliteKeyStore.open(path)
    await store.insertKey(meta('k1', 'a'))
    for (const f of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(f), f).toBe(true)
      expect(statSync(f).mode & 0o777, f).toBe(0o600)
    }
    await store.close()
    const db = new Database(path, { readonly: true })
    expect(db.prepare('SELECT version FROM keyward_schema').all()).toEqual([{ version: 2 }])
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('refuses a store written by a newer schema', async () => {
    await SqliteKeyStore.open(path).close()
    const db = new Database(path)
    db.prepare('UPDATE keyward_schema SET version = 99').run()
    db.close()
    expect(await codeOf(() => SqliteKeyStore.open(path))).toBe('FailedOperation.StoreError')
  })

  it('keeps keys, versions and records across reopen; version numbers restart after deleteVersions', async () => {
    let store = SqliteKeyStore.open(path)
    await store.insertKey(meta('k1', 'one', 5))
    await store.insertKey(meta('k2', 'two', 6))
    expect(await store.addVersion('k1', Buffer.from('v1'))).toBe(1)
    expect(await store.addVersion('k1', Buffer.from('v2'))).toBe(2)
    await store.putRecord('k1', 'token', Buffer.from('t'))
    await store.close()
    store = SqliteKeyStore.open(path)
    expect(await store.getKey('k1')).toEqual(meta('k1', 'one', 5))
    expect((await store.getKeyByAlias('two'))?.keyId).toBe('k2')
    expect((await store.listKeys()).keys.map((k) => k.keyId)).toEqual(['k2', 'k1'])
    expect(await store.latestVersion('k1')).toBe(2)
    expect(Buffer.from((await store.getVersion('k1', 1)) ?? []).toString()).toBe('v1')
    expect(Buffer.from((await store.getRecord('k1', 'token')) ?? []).toString()).toBe('t')
    await store.deleteVersions('k1')
    expect(await store.latestVersion('k1')).toBe(0)
    expect(await store.addVersion('k1', Buffer.from('again'))).toBe(1)
    await store.putRecord('k1', 'token', undefined)
    expect(await store.getRecord('k1', 'token')).toBeUndefined()
    expect(await codeOf(() => store.putRecord('nope', 'x', Buffer.from('x')))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(() => store.addVersion('nope', Buffer.from('x')))).toBe('ResourceUnavailable.CmkNotFound')
    expect(await codeOf(() => store.updateKey('nope', { description: 'x' }))).toBe('ResourceUnavailable.CmkNotFound')
    await store.close()
    expect(await codeOf(() => store.getKey('k1'))).toBe('FailedOperation.ProviderUnavailable')
  })

  it('aliases are unique: a clashing insert or update changes nothing', async () => {
    const store = SqliteKeyStore.open(path)
    await store.insertKey(meta('k1', 'one'))
    await store.insertKey(meta('k2', 'two'))
    expect(await codeOf(() => store.insertKey(meta('k3', 'one')))).toBe('InvalidParameterValue.AliasAlreadyExists')
    expect(await codeOf(() => store.insertKey(meta('k1', 'three')))).toBe('InvalidParameterValue')
    expect(await codeOf(() => store.updateKey('k2', { alias: 'one', description: 'changed' }))).toBe(
      'InvalidParameterValue.AliasAlreadyExists',
    )
    expect(await store.getKey('k2')).toEqual(meta('k2', 'two'))
    expect((await store.listKeys()).totalCount).toBe(2)
    await store.close()
  })

  it('a KeyId is never reused: deleteKey leaves a tombstone that survives reopen and a version-1 store gains', async () => {
    // A store written before tombstones existed (schema 1) is migrated on open.
    const v1 = new Database(path)
    v1.exec(`CREATE TABLE keyward_schema (version INTEGER NOT NULL); INSERT INTO keyward_schema VALUES (1);`)
    v1.exec(`CREATE TABLE keys (key_id TEXT PRIMARY KEY NOT NULL, alias TEXT NOT NULL, create_time INTEGER NOT NULL, key_state TEXT NOT NULL, key_usage TEXT NOT NULL, origin TEXT NOT NULL, metadata TEXT NOT NULL) WITHOUT ROWID;
      CREATE UNIQUE INDEX keys_alias ON keys (alias);
      CREATE TABLE key_versions (key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE, version INTEGER NOT NULL, material BLOB NOT NULL, PRIMARY KEY (key_id, version)) WITHOUT ROWID;
      CREATE TABLE key_records (key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE, name TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (key_id, name)) WITHOUT ROWID;`)
    v1.close()
    let store = SqliteKeyStore.open(path)
    await store.insertKey(meta('k1', 'one'))
    await store.deleteKey('k1')
    expect(await codeOf(() => store.insertKey(meta('k1', 'again')))).toBe('InvalidParameterValue')
    await store.close()
    store = SqliteKeyStore.open(path)
    expect(await codeOf(() => store.insertKey(meta('k1', 'again')))).toBe('InvalidParameterValue')
    // The alias of the deleted key is free again; only its KeyId stays reserved.
    await store.insertKey(meta('k2', 'one'))
    await store.close()
  })

  it('crash safety: a write interrupted by an error inside its transaction leaves the old state', async () => {
    const store = SqliteKeyStore.open(path)
    await store.insertKey(meta('k1', 'one'))
    await store.addVersion('k1', Buffer.from('material'))
    await store.putRecord('k1', 'r', Buffer.from('record'))
    // Another connection makes the last statement of deleteKey fail after the first two already ran.
    const other = new Database(path)
    other.exec(`CREATE TRIGGER refuse BEFORE DELETE ON keys BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
    expect(await codeOf(() => store.deleteKey('k1'))).toBe('FailedOperation.StoreError')
    expect(await store.latestVersion('k1')).toBe(1)
    expect(Buffer.from((await store.getRecord('k1', 'r')) ?? []).toString()).toBe('record')
    other.exec('DROP TRIGGER refuse')
    other.close()
    await store.deleteKey('k1')
    expect(await store.getKey('k1')).toBeUndefined()
    expect(await store.latestVersion('k1')).toBe(0)
    expect(await codeOf(() => store.insertKey(meta('k1', 'one')))).toBe('InvalidParameterValue')
    await store.close()
  })
})

describe('SoftwareKeyProvider over SqliteKeyStore', () => {
  let tmp: ReturnType<typeof tempDir>
  let path: string
  beforeEach(() => {
    tmp = tempDir('keyward-sqlite-')
    path = join(tmp.dir, 'keys.db')
  })
  afterEach(() => tmp.remove())

  it('keys survive a reopen with the same root key; a wrong root key is a clear StoreError', async () => {
    const root = randomBytes(32)
    let p = new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(root) })
    const k = await p.createKey({ alias: 'persist' })
    const ecc = await p.createKey({ alias: 'persist-ecc', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const blob = await p.encrypt({
      keyId: k.keyId,
      plaintext: Buffer.from('still here'),
      encryptionContext: { a: '1' },
    })
    await p.close()
    p = new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(root) })
    expect((await p.describeKey(k.keyId)).alias).toBe('persist')
    expect(Buffer.from((await p.decrypt({ ...blob, encryptionContext: { a: '1' } })).plaintext).toString()).toBe(
      'still here',
    )
    const sig = await p.signByAsymmetricKey({ keyId: ecc.keyId, algorithm: 'ECC_P256_R1', message: Buffer.from('m') })
    await p.close()
    const wrong = new SoftwareKeyProvider({
      store: SqliteKeyStore.open(path),
      rootKey: RootKey.fromBytes(randomBytes(32)),
    })
    expect(await codeOf(() => wrong.decrypt(blob))).toBe('FailedOperation.StoreError')
    expect(await codeOf(() => wrong.encrypt({ keyId: k.keyId, plaintext: Buffer.from('x') }))).toBe(
      'FailedOperation.StoreError',
    )
    expect(
      await codeOf(() =>
        wrong.signByAsymmetricKey({ keyId: ecc.keyId, algorithm: 'ECC_P256_R1', message: Buffer.from('m') }),
      ),
    ).toBe('FailedOperation.StoreError')
    // Public data needs no root key.
    expect(
      (
        await wrong.verifyByAsymmetricKey({
          keyId: ecc.keyId,
          algorithm: 'ECC_P256_R1',
          message: Buffer.from('m'),
          signature: sig.signature,
        })
      ).signatureValid,
    ).toBe(true)
    await wrong.close()
  })

  it('the store file never holds plaintext key material', async () => {
    const p = new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(randomBytes(32)) })
    const k = await p.createKey({ alias: 'byok', type: 2 })
    const params = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
    const material = randomBytes(32)
    const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
    await p.importKeyMaterial({
      keyId: k.keyId,
      importToken: params.importToken,
      encryptedKeyMaterial: publicEncrypt(
        { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        material,
      ),
    })
    await p.close()
    const file = readFileSync(path)
    expect(file.includes(material)).toBe(false)
    expect(file.includes(material.subarray(0, 16))).toBe(false)
    expect(file.includes(Buffer.from('byok'))).toBe(true) // the check can see plaintext when it is there
  })

  it('an import whose last store write fails leaves the key as it was (no material, no remembered MAC)', async () => {
    const p = new SoftwareKeyProvider({ store: SqliteKeyStore.open(path), rootKey: RootKey.fromBytes(randomBytes(32)) })
    const k = await p.createKey({ alias: 'half', type: 2 })
    const importOnce = async (material: Buffer): Promise<void> => {
      const params = await p.getParametersForImport({ keyId: k.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256' })
      const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
      await p.importKeyMaterial({
        keyId: k.keyId,
        importToken: params.importToken,
        encryptedKeyMaterial: publicEncrypt(
          { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          material,
        ),
      })
    }
    const other = new Database(path)
    other.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON keys BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
    expect(await codeOf(() => importOnce(randomBytes(32)))).toBe('FailedOperation.StoreError')
    other.exec('DROP TRIGGER refuse')
    other.close()
    expect(await p.describeKey(k.keyId)).toMatchObject({ keyState: 'PendingImport', keyVersionCount: 0 })
    // Different material is accepted: the failed attempt left no MAC behind.
    const material = randomBytes(32)
    await importOnce(material)
    expect((await p.describeKey(k.keyId)).keyState).toBe('Enabled')
    await p.close()
  })
})
