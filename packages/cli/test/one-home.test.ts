/**
 * One $KEYWARD_HOME, two users: an application calling `createKeyward()` and the `keyward` CLI (= keyward serve's
 * embedded KMS). They keep their keys in distinct files (app-keys.db vs keys.db + server.db), so neither sees the
 * other's keys under a wrong alias or a missing owner: the same alias names a key in each, and a KeyId of one is
 * unknown to the other — the documented choice. A home whose keys.db an earlier library wrote gets a warning.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyward } from '@keyward/container'
import { SqliteKeyStore } from '@keyward/provider-software'
import { tempDir } from '@keyward/test-support'
import { keyward, kms, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe('library and CLI on one home', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-one-home-'))
  })
  afterAll(() => remove())

  it('each keeps its own keys and aliases; a KeyId of one is unknown to the other; both keep working', async () => {
    const warnings: string[] = []
    const app = await createKeyward({}, { env: { KEYWARD_HOME: home }, cwd: home, warn: (m) => warnings.push(m) })
    let appKey: string
    try {
      appKey = (await app.provider.createKey({ alias: 'orders' })).keyId
    } finally {
      await app.close()
    }
    expect(existsSync(join(home, 'app-keys.db'))).toBe(true)

    // The CLI (embedded KMS) creates its own 'orders': no clash, no internal alias leaking either way.
    const cliKey = (await kms(home, 'CreateKey', { Alias: 'orders' }))['KeyId'] as string
    const list = await kms(home, 'ListKeyDetail')
    expect((list['KeyMetadatas'] as { KeyId: string; Alias: string }[]).map((m) => [m.KeyId, m.Alias])).toEqual([
      [cliKey, 'orders'],
    ])
    const unknown = await keyward(home, ['kms', 'DescribeKey', '--KeyId', appKey])
    expect(unknown.stderr).toMatch(/^\[TencentCloudSDKException\] code:ResourceUnavailable\.CmkNotFound /)
    expect(unknown.code).toBe(1)

    const again = await createKeyward({}, { env: { KEYWARD_HOME: home }, cwd: home, warn: (m) => warnings.push(m) })
    try {
      const keys = await again.provider.listKeys()
      expect(keys.keys.map((k) => [k.keyId, k.alias])).toEqual([[appKey, 'orders']])
      await expect(again.provider.describeKey(cliKey)).rejects.toMatchObject({
        code: 'ResourceUnavailable.CmkNotFound',
      })
      const { ciphertextBlob } = await again.provider.encrypt({ keyId: appKey, plaintext: Buffer.from('app data') })
      expect(Buffer.from((await again.provider.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('app data')
    } finally {
      await again.close()
    }
    expect(warnings.filter((w) => !/development root key/.test(w))).toEqual([])
  })

  it('a keys.db written by an earlier library (no server store beside it) is named in a warning, not silently ignored', async () => {
    const old = join(home, 'old-home')
    mkdirSync(old)
    const store = SqliteKeyStore.open(join(old, 'keys.db'))
    await store.close()
    const warnings: string[] = []
    const kw = await createKeyward(
      {},
      {
        env: { KEYWARD_HOME: old, KEYWARD_ROOT_KEY: randomBytes(32).toString('base64') },
        cwd: old,
        warn: (m) => warnings.push(m),
      },
    )
    await kw.close()
    expect(warnings.join('\n')).toMatch(
      /keys\.db holds keys of an earlier Keyward library; applications now keep their keys in .*app-keys\.db .*set software\.path/,
    )
  })
})
