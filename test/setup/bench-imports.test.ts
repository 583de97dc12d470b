/**
 * `npm run bench` runs each bench/*.bench.ts with tsx, outside vitest. A module a benchmark imports that pulls in
 * vitest (a test helper re-exported through test/support/index.ts, say) throws "Vitest failed to access its internal
 * state" there — and no test would notice. This loads every local module each benchmark imports in a plain Node
 * process, as the benchmark does.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BENCH = join(ROOT, 'bench')
const benches = readdirSync(BENCH).filter((f) => f.endsWith('.bench.ts'))

/** The relative (project-local) modules a file imports, as file URLs. */
function localImports(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  const specs = [...src.matchAll(/^import\s(?!type\s)[^'"]*from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!)
  return specs.map((s) => pathToFileURL(resolve(BENCH, s.replace(/\.js$/, '.ts'))).href)
}

describe('benchmarks load outside vitest', () => {
  it('there are benchmarks, and they import project modules', () => {
    expect(benches.length).toBeGreaterThanOrEqual(7)
    expect(benches.flatMap((b) => localImports(join(BENCH, b))).length).toBeGreaterThan(0)
  })

  it.each(benches)('%s: every local module it imports loads in plain Node (tsx), without vitest', (bench) => {
    const urls = localImports(join(BENCH, bench))
    const code = urls.map((u) => `await import(${JSON.stringify(u)})`).join(';')
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code || '0'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.stderr, `${bench}: ${r.stderr}`).not.toMatch(/Error/)
    expect(r.status, r.stderr).toBe(0)
  })
})
