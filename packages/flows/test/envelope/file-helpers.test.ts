import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { decryptFile, encryptFile } from '@keyward/flows/envelope'
import { tempDir } from '@keyward/test-support'
import { rawClient } from './helpers.js'

let tmp: { dir: string; remove: () => void }
beforeEach(() => {
  tmp = tempDir('keyward-envelope-files-')
})
afterEach(() => tmp.remove())

const client = rawClient({ frameLength: 4096 })
const p = (name: string): string => join(tmp.dir, name)

describe('encryptFile / decryptFile', () => {
  it('round-trips a file, reports progress, writes mode 0600, leaves no temp files', async () => {
    const pt = randomBytes(100_000)
    writeFileSync(p('in.bin'), pt)
    const progress: number[] = []
    const e = await encryptFile(client, p('in.bin'), p('in.bin.kwe'), {
      encryptionContext: { file: 'in.bin' },
      onProgress: (n) => progress.push(n),
    })
    expect(e.plaintextBytes).toBe(pt.length)
    expect(e.bytesWritten).toBe(statSync(p('in.bin.kwe')).size)
    expect(progress.at(-1)).toBe(pt.length)
    expect(progress.length).toBeGreaterThan(10)
    const d = await decryptFile(client, p('in.bin.kwe'), p('out.bin'), { encryptionContext: { file: 'in.bin' } })
    expect(readFileSync(p('out.bin')).equals(pt)).toBe(true)
    expect(d.info.encryptionContext).toEqual({ file: 'in.bin' })
    expect(statSync(p('out.bin')).mode & 0o777).toBe(0o600)
    expect(readdirSync(tmp.dir).sort()).toEqual(['in.bin', 'in.bin.kwe', 'out.bin'])
  })

  it('refuses to clobber an existing output unless overwrite is set', async () => {
    writeFileSync(p('in.bin'), 'data')
    writeFileSync(p('out.kwe'), 'keep me')
    await expect(encryptFile(client, p('in.bin'), p('out.kwe'))).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    })
    expect(readFileSync(p('out.kwe'), 'utf8')).toBe('keep me')
    await encryptFile(client, p('in.bin'), p('out.kwe'), { overwrite: true })
    expect(readFileSync(p('out.kwe')).subarray(0, 3).toString()).toBe('KWE')
    expect(readdirSync(tmp.dir).sort()).toEqual(['in.bin', 'out.kwe'])
  })

  for (const [what, mutate] of [
    ['truncated', (m: Buffer) => m.subarray(0, m.length - 100)],
    [
      'tampered',
      (m: Buffer) => {
        const t = Buffer.from(m)
        t[t.length - 5000] = (t[t.length - 5000] as number) ^ 1
        return t
      },
    ],
  ] as const) {
    it(`leaves no output (and no temp file) when the input is ${what} mid-way`, async () => {
      writeFileSync(p('in.bin'), randomBytes(50_000))
      await encryptFile(client, p('in.bin'), p('in.kwe'))
      writeFileSync(p('bad.kwe'), mutate(readFileSync(p('in.kwe'))))
      const seen: number[] = []
      const err = await decryptFile(client, p('bad.kwe'), p('out.bin'), { onProgress: (n) => seen.push(n) }).catch(
        (e: unknown) => e,
      )
      expect(isKeywardError(err)).toBe(true)
      expect(seen.length).toBeGreaterThan(0) // it failed part-way, after writing some frames to the temp file
      expect(readdirSync(tmp.dir).sort()).toEqual(['bad.kwe', 'in.bin', 'in.kwe'])
    })
  }

  it('leaves no output when aborted', async () => {
    writeFileSync(p('in.bin'), randomBytes(2_000_000))
    const ac = new AbortController()
    const err = await encryptFile(client, p('in.bin'), p('out.kwe'), {
      signal: ac.signal,
      onProgress: (n) => n > 100_000 && ac.abort(),
    }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
    expect(readdirSync(tmp.dir)).toEqual(['in.bin'])
  })

  it('fails with a KeywardError for a missing input', async () => {
    await expect(encryptFile(client, p('nope'), p('out'))).rejects.toMatchObject({ code: 'InvalidParameter' })
    await expect(decryptFile(client, p('nope'), p('out'))).rejects.toMatchObject({ code: 'InvalidParameter' })
    expect(readdirSync(tmp.dir)).toEqual([])
  })
})
