import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

// Tests import workspace packages by name; map each export of each package to its TypeScript source so that
// tests run against the code in the tree, not a stale dist.
const root = import.meta.dirname
const alias: { find: string | RegExp; replacement: string }[] = []
for (const group of ['packages', 'providers']) {
  for (const dir of readdirSync(join(root, group))) {
    const pkgFile = join(root, group, dir, 'package.json')
    if (!existsSync(pkgFile)) continue
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
      name: string
      exports?: Record<string, { default?: string }>
    }
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      if (!target.default) continue
      const src = target.default.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts')
      const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`
      alias.push({ find: new RegExp(`^${name.replace('/', '\\/')}$`), replacement: resolve(root, group, dir, src) })
    }
  }
}
alias.push({ find: /^@keyward\/conformance$/, replacement: resolve(root, 'test/conformance/index.ts') })
alias.push({ find: /^@keyward\/test-support$/, replacement: resolve(root, 'test/support/index.ts') })

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'providers/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
