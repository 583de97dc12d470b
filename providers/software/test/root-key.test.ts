import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryKeyStore } from '@keyward/core'
import { codeOf, tempDir } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider, createRootKeyFile, loadRootKey } from '@keyward/provider-software'

describe('root key', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    tmp = tempDir('keyward-root-')
  })
  afterEach(() => tmp.remove())

  it('loads from KEYWARD_ROOT_KEY (base64 of 32 bytes) before any file', async () => {
    const key = randomBytes(32)
    expect(
      loadRootKey({ env: { KEYWARD_ROOT_KEY: key.toString('base64') }, keyFile: join(tmp.dir, 'absent') }).equals(key),
    ).toBe(true)
    expect(await codeOf(() => loadRootKey({ env: { KEYWARD_ROOT_KEY: randomBytes(16).toString('base64') } }))).toBe(
      'FailedOperation.StoreError',
    )
    expect(await codeOf(() => loadRootKey({ env: { KEYWARD_ROOT_KEY: 'not*base64' } }))).toBe(
      'FailedOperation.StoreError',
    )
    expect(await codeOf(() => loadRootKey({ env: {} }))).toBe('FailedOperation.ProviderUnavailable')
  })

  it('createRootKeyFile writes 0600 atomically and refuses to overwrite; loadRootKey reads it back', async () => {
    const file = join(tmp.dir, 'root.key')
    createRootKeyFile(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const key = loadRootKey({ env: {}, keyFile: file })
    expect(key.length).toBe(32)
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'))
    expect(await codeOf(() => createRootKeyFile(file))).toBe('InvalidParameterValue')
    expect(loadRootKey({ env: {}, keyFile: file }).equals(key)).toBe(true)
  })

  it('refuses a key file readable by group or others, and does not create one unless asked', async () => {
    const file = join(tmp.dir, 'root.key')
    writeFileSync(file, randomBytes(32), { mode: 0o600 })
    expect(loadRootKey({ env: {}, keyFile: file }).length).toBe(32)
    chmodSync(file, 0o644)
    expect(await codeOf(() => loadRootKey({ env: {}, keyFile: file }))).toBe('FailedOperation.StoreError')
    const missing = join(tmp.dir, 'new.key')
    expect(await codeOf(() => loadRootKey({ env: {}, keyFile: missing }))).toBe('FailedOperation.StoreError')
    const created = loadRootKey({ env: {}, keyFile: missing, createIfMissing: true })
    expect(created.length).toBe(32)
    expect(statSync(missing).mode & 0o777).toBe(0o600)
  })

  it('never prints: RootKey and the provider redact in inspect and JSON', async () => {
    const bytes = randomBytes(32)
    const root = RootKey.fromBytes(bytes)
    const provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: root })
    for (const text of [
      inspect(root),
      JSON.stringify(root),
      inspect(provider, { depth: 5 }),
      JSON.stringify(provider),
    ]) {
      expect(text).not.toContain(bytes.toString('hex'))
      expect(text).not.toContain(bytes.toString('base64'))
    }
    expect(inspect(root)).toContain('REDACTED')
    expect(inspect(provider)).toContain('REDACTED')
    await provider.close()
    expect(await codeOf(() => root.seal('x', Buffer.from('y')))).toBe('FailedOperation.ProviderUnavailable')
  })

  it('a sealed value opens only under its own label', () => {
    const root = RootKey.fromBytes(randomBytes(32))
    const sealed = root.seal('material\0k1\0\u0001', Buffer.from('secret'))
    expect(root.open('material\0k1\0\u0001', sealed).toString()).toBe('secret')
    expect(() => root.open('material\0k2\0\u0001', sealed)).toThrow(/does not open/)
  })
})

describe('root key file creation races', () => {
  it('several processes creating one root key at once all end up with the same key', async () => {
    const { execFile } = await import('node:child_process')
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join: joinPath, resolve } = await import('node:path')
    const dir = mkdtempSync(joinPath(tmpdir(), 'keyward-rootkey-race-'))
    const file = joinPath(dir, 'root.key')
    const module = resolve(import.meta.dirname, '../dist/root-key-file.js')
    const script = `const { loadRootKey } = await import(${JSON.stringify(module)}); process.stdout.write(loadRootKey({ keyFile: ${JSON.stringify(file)}, createIfMissing: true, env: {} }).toString('hex'))`
    try {
      const keys = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<string>((res, rej) => {
              execFile(process.execPath, ['--input-type=module', '-e', script], (e, out) => (e ? rej(e) : res(out)))
            }),
        ),
      )
      expect(new Set(keys).size).toBe(1)
      expect(keys[0]).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
