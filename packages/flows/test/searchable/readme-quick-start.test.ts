/**
 * The README's "Searchable encryption (blind indexes)" snippet, run as written (same calls, same arguments) against
 * the embedded default provider, so the front door cannot drift from the code; and the numbers the section quotes.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyward, type Keyward } from '@keyward/container'
import { EnvelopeClient, ProviderMasterKey } from '@keyward/flows/envelope'
import { BlindIndex, IndexKey, normalizeMobileCN, recommendBits } from '@keyward/flows/searchable'
import { tempDir } from '@keyward/test-support'

describe('README: searchable encryption', () => {
  const home = tempDir('keyward-readme-bidx-')
  let kw: Keyward

  beforeAll(async () => {
    kw = await createKeyward(
      {},
      { env: { KEYWARD_HOME: home.dir, KEYWARD_ROOT_KEY: randomBytes(32).toString('base64') }, cwd: home.dir },
    )
  })
  afterAll(async () => {
    await kw?.close()
    home.remove()
  })

  it('the snippet runs as printed', async () => {
    const { provider } = kw
    const cmk = await provider.createKey({ alias: 'customers' })
    const blob = await IndexKey.generate(provider, cmk.keyId)
    const key = new IndexKey({ provider, ...blob })
    const { bits } = recommendBits({ rows: 1_000_000 })
    expect(bits).toBe(17)
    const phone = await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits,
    })
    const envelope = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider, keyId: cmk.keyId }) })
    const row = await envelope.encryptJsonFields({ name: '张三', phone: '138 0013 8000' }, ['name', 'phone'], {
      blindIndexes: { phone },
    })
    const lookup = phone.lookup('+86 138-0013-8000')
    expect(lookup).toEqual([{ column: 'phone_bidx', value: row.phone_bidx }])
    const same = phone.matches('13800138000', '+86 138-0013-8000')
    expect(same).toBe(true)
    key.close()
  })

  it('the figures the section quotes', () => {
    expect(recommendBits({ rows: 100_000 })).toMatchObject({ bits: 14 })
    expect(recommendBits({ rows: 100_000 }).falsePositivesPerLookup).toBeCloseTo(6.1, 1)
    expect(recommendBits({ rows: 10_000_000 }).bits).toBe(20)
  })
})
