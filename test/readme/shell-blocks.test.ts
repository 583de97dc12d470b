/**
 * Every ```sh / ```bash block of the root README, run exactly as printed — each on a fresh $KEYWARD_HOME, in a fresh
 * working directory, with `keyward` on PATH as the README tells the reader to put it — so the walkthroughs cannot
 * drift from the CLI. Blocks run under `bash -e -o pipefail`: a failing command anywhere, including inside a
 * pipeline, fails the block. A block that cannot run here (real Tencent Cloud, the install itself) is preceded by
 * `<!-- readme-test: not run — <reason> -->` (README-CONVENTION), and there must be a reason.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireBinary, tempDir } from '@keyward/test-support'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN_DIR = join(ROOT, 'node_modules', '.bin')

interface Block {
  /** 1-based line of the opening fence. */
  line: number
  code: string
  skip: string | undefined
}

/** The shell blocks of a Markdown text, with the not-run marker of each (the line just before its fence). */
export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i] as string)) continue
    const end = lines.indexOf('```', i + 1)
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`)
    const marker = /^<!-- readme-test: not run — (.+) -->$/.exec(lines[i - 1] ?? '')
    blocks.push({ line: i + 1, code: `${lines.slice(i + 1, end).join('\n')}\n`, skip: marker?.[1] })
    i = end
  }
  return blocks
}

function runBlock(code: string): Promise<{ status: number | null; output: string }> {
  const dir = tempDir('keyward-readme-sh-')
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(KEYWARD_|TENCENTCLOUD_|TCCLI_)/.test(k)) env[k] = v
  Object.assign(env, {
    KEYWARD_HOME: join(dir.dir, 'home'),
    HOME: dir.dir,
    PATH: `${BIN_DIR}:${process.env['PATH'] ?? ''}`,
  })
  return new Promise((res) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd: dir.dir, env })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('exit', (status) => {
      dir.remove()
      res({ status, output })
    })
  })
}

const blocks = shellBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))

describe('README shell blocks, as printed', { timeout: 180_000 }, () => {
  it('finds the blocks; every one not run says why', () => {
    requireBinary('openssl')
    expect(
      existsSync(join(BIN_DIR, 'keyward')),
      'node_modules/.bin/keyward: run npm test (it installs and builds)',
    ).toBe(true)
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(6)
    for (const b of blocks.filter((x) => x.skip))
      expect(b.skip?.trim().length, `README.md:${b.line}`).toBeGreaterThan(10)
  })

  it.each(blocks.filter((b) => !b.skip).map((b) => [`README.md:${b.line}`, b] as const))(
    '%s runs on a fresh home',
    async (_, block) => {
      const { status, output } = await runBlock(block.code)
      expect(status, output).toBe(0)
    },
  )
})
