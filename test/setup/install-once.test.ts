/**
 * The setup installs once: after `npm test` (or `npm start`) installed and stamped the tree, the start path runs
 * again — twice — without reinstalling, without the registry and without rewriting package-lock.json, and starts
 * `keyward serve` in seconds. Also: the lockfile the project ships is one `npm ci` accepts, with no package that
 * declares an engine this Node does not satisfy.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, tryRun } from '@keyward/test-support'

const ROOT = resolve(import.meta.dirname, '..', '..')

/** `npm start -- --port 0 --home <dir>` until it listens; returns everything it printed, then stops it. */
function startOnce(home: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(
      'bash',
      [join(ROOT, 'scripts', 'start.sh'), '--port', '0', '--home', home, '--log-level', 'warn'],
      { cwd: ROOT, env: { ...process.env, HOME: home } },
    )
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      rej(new Error(`npm start did not listen within 120 s:\n${out}`))
    }, 120_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      if (/listening on http:\/\/\S+\n/.test(out)) child.kill('SIGTERM')
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (/listening on/.test(out)) res(out)
      else rej(new Error(`npm start exited ${code}:\n${out}`))
    })
  })
}

describe('setup that installs once', { timeout: 300_000 }, () => {
  it('the tree is stamped as installed (npm test ran scripts/ensure-node.sh before the tests)', () => {
    const check = tryRun('bash', [join(ROOT, 'scripts', 'ensure-node.sh'), '--check'])
    expect(
      check.status,
      'node_modules is not stamped for this lockfile and Node: run `npm test`, which installs first',
    ).toBe(0)
  })

  it('the start path, run twice, neither installs nor touches package-lock.json', async () => {
    const lock = readFileSync(join(ROOT, 'package-lock.json'))
    const home = tempDir('keyward-start-')
    try {
      for (const run of [1, 2]) {
        const out = await startOnce(home.dir)
        expect(out, `run ${run}`).not.toMatch(/Installing npm dependencies|npm ci|added \d+ packages/)
        expect(out, `run ${run}`).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/)
      }
    } finally {
      home.remove()
    }
    expect(readFileSync(join(ROOT, 'package-lock.json')).equals(lock)).toBe(true)
    expect(tryRun('bash', [join(ROOT, 'scripts', 'ensure-node.sh'), '--check']).status).toBe(0)
  })

  it('the lockfile holds no package whose declared Node engine this Node does not meet (no EBADENGINE on install)', async () => {
    const { default: semver } = await import('semver')
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } }>
    }
    const unmet = Object.entries(lock.packages)
      .filter(([, p]) => !p.optional && p.engines?.node && !semver.satisfies(process.version, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} needs node ${p.engines?.node}`)
    expect(unmet).toEqual([])
  })
})
