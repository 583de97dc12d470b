/**
 * The token builders themselves: a missing package fails the test loudly with the command that installs it, and
 * the one system-wide openCryptoki token is initialised idempotently, also by several processes at once.
 */
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestToken, type TokenKind } from '@keyward/test-support'

const SCRIPT = resolve(import.meta.dirname, '../../scripts/init-opencryptoki.sh')
const run = promisify(execFile)
const path = process.env['PATH']
afterEach(() => {
  process.env['PATH'] = path
})

describe('test tokens', () => {
  const missing: Array<[TokenKind, RegExp]> = [
    ['nss', /certutil is required .* apt-get install -y libnss3-tools/],
    ['opencryptoki', /pkcsslotd is required .* apt-get install -y opencryptoki/],
    ['tpm2', /swtpm is required .* apt-get install -y swtpm/],
  ]
  for (const [kind, message] of missing) {
    it(`${kind}: without its package on PATH the builder fails naming the apt command`, () => {
      process.env['PATH'] = '/nonexistent'
      expect(() => createTestToken(kind)).toThrow(message)
    })
  }

  it('init-opencryptoki.sh without openCryptoki installed exits 1 naming the apt command', async () => {
    const r = await run('/bin/bash', [SCRIPT], { env: { PATH: '/nonexistent' } }).catch(
      (e: { code: number; stderr: string }) => e,
    )
    expect((r as { code: number }).code).toBe(1)
    expect((r as { stderr: string }).stderr).toMatch(/apt-get install -y opencryptoki/)
  })

  it('init-opencryptoki.sh is idempotent and safe when four processes run it at once: one slot, one label, one answer', async () => {
    const runs = await Promise.all(Array.from({ length: 4 }, () => run('bash', [SCRIPT])))
    const answers = new Set(runs.map((r) => r.stdout.trim()))
    expect(answers.size).toBe(1)
    expect([...answers][0]).toMatch(/^\d+ keyward-test$/)
    // And the token it names takes the test PIN.
    const t = createTestToken('opencryptoki')
    expect(t.label).toBe('keyward-test')
    const r = await run('pkcs11-tool', [
      '--module',
      t.modulePath,
      '--token-label',
      t.label,
      '--login',
      '--pin',
      t.pin,
      '--list-objects',
    ])
    expect(r.stderr).not.toMatch(/CKR_PIN_INCORRECT/)
  })
})
