/**
 * Several `keyward` processes on one fresh home at once (scripts, xargs -P, a CLI next to `keyward serve`): the
 * first use is created once, every call succeeds, and the audit chain stays whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '@keyward/test-support'
import { keyward, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

describe('keyward: concurrent first use of a home', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined

  beforeAll(() => {
    requireBuiltCli()
    ;({ dir: home, remove } = tempDir('keyward-cli-concurrent-'))
  })
  afterAll(() => remove())

  it('six simultaneous CreateKey calls on a fresh home: one dev account, six keys, an intact audit chain', async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => keyward(home, ['kms', 'CreateKey', '--Alias', `c${i}`])),
    )
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    const ids = runs.map((r) => (JSON.parse(r.stdout) as { KeyId: string }).KeyId)
    expect(new Set(ids).size).toBe(6)
    expect(runs.filter((r) => r.stderr.includes('created the dev account')).length).toBe(1)
    const audit = await keyward(home, ['audit', 'verify'])
    // The dev account's creation and the six CreateKey calls.
    expect([audit.code, audit.stdout]).toEqual([0, 'audit log ok: 7 entries, hash chain and MACs intact\n'])
  })
})
