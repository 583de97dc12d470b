import { readFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'

/** Root of the shared known-answer vectors: ../shared/vectors beside the repository. */
export const VECTORS_DIR = resolve(import.meta.dirname, '../../../shared/vectors')

/** A Wycheproof test case; fields vary by file, so the rest is typed loosely. */
export interface WycheproofTest {
  tcId: number
  comment: string
  result: 'valid' | 'invalid' | 'acceptable'
  flags: string[]
  [field: string]: unknown
}

export interface WycheproofGroup {
  tests: WycheproofTest[]
  [field: string]: unknown
}

export interface WycheproofFile {
  algorithm: string
  numberOfTests: number
  testGroups: WycheproofGroup[]
}

/** Loads `wycheproof/<name>` (e.g. `aes_gcm_test.json`); fails loudly with the path when it is missing. */
export function loadWycheproof(name: string): WycheproofFile {
  const file = resolve(VECTORS_DIR, 'wycheproof', name)
  if (!existsSync(file))
    throw new Error(`Known-answer vectors missing: ${file} (expected ../shared/vectors beside the repo).`)
  const data = JSON.parse(readFileSync(file, 'utf8')) as WycheproofFile
  const count = data.testGroups.reduce((n, g) => n + g.tests.length, 0)
  if (count !== data.numberOfTests) throw new Error(`${name}: ${count} tests found, file says ${data.numberOfTests}.`)
  return data
}

/** Hex field of a test or group as a Buffer. */
export function hexField(obj: Record<string, unknown>, field: string): Buffer {
  const v = obj[field]
  if (typeof v !== 'string') throw new Error(`vector field ${field} is not a hex string`)
  return Buffer.from(v, 'hex')
}
