import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError, isKeywardError } from '@keyward/core'
import {
  BlindIndex,
  IndexKey,
  MAX_INDEX_BITS,
  normalizeEmail,
  normalizeIdCardCN,
  normalizeMobileCN,
  normalizeText,
  type IndexHash,
  type IndexKeyBlob,
} from '@keyward/flows/searchable'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { independentIndex, rawIndexKey, softwareWithCmk } from './helpers.js'

let provider: SoftwareKeyProvider
let cmkId: string
let blob: IndexKeyBlob
let key: IndexKey
let root: Buffer

beforeAll(async () => {
  ;({ provider, cmkId } = await softwareWithCmk())
  blob = await IndexKey.generate(provider, cmkId)
  key = new IndexKey({ provider, ...blob })
  root = await rawIndexKey(provider, blob)
})
afterAll(async () => {
  key.close()
  await provider.close()
})

const HASHES: IndexHash[] = ['SHA-256', 'SM3']

describe('BlindIndex: the value is HKDF + HMAC + truncation, as independent code computes it', () => {
  for (const hash of HASHES) {
    it(`${hash}: matches @noble/hashes / sm-crypto for every bit length tried`, async () => {
      for (const bits of [1, 3, 7, 8, 9, 13, 14, 16, 31, 32, 64, 129, 255, 256]) {
        const phone = await BlindIndex.create({
          key,
          table: 'customers',
          field: 'phone',
          normalize: normalizeMobileCN,
          bits,
          hash,
          onWarning: () => undefined,
        })
        for (const v of ['13800138000', '+86 199 1234 5678']) {
          const expected = independentIndex(hash, root, 'customers', 'phone', Buffer.from(normalizeMobileCN(v)), bits)
          expect(phone.index(v), `${hash} ${bits} bits`).toBe(expected)
          expect(phone.index(v)).toHaveLength(Math.ceil(bits / 4))
        }
      }
    })
  }

  it('bits past the length are zero: a 1-bit index is "0" or "8", a 14-bit one ends in 0, 4, 8 or c', async () => {
    const one = await BlindIndex.create({ key, table: 't', field: 'f', normalize: normalizeText, bits: 1 })
    const fourteen = await BlindIndex.create({ key, table: 't', field: 'f', normalize: normalizeText, bits: 14 })
    const seen1 = new Set<string>()
    for (let i = 0; i < 200; i++) {
      seen1.add(one.index(`v${i}`))
      expect(fourteen.index(`v${i}`)).toMatch(/^[0-9a-f]{3}[048c]$/)
      // A shorter index is a prefix of a longer one under the same key (truncation, not another function).
      expect(parseInt(fourteen.index(`v${i}`)[0] as string, 16) >= 8).toBe(one.index(`v${i}`) === '8')
    }
    expect([...seen1].sort()).toEqual(['0', '8'])
  })

  it('each (table, field, hash) has its own key; the same triple gives the same values in another instance', async () => {
    const mk = (table: string, field: string, hash: IndexHash = 'SHA-256') =>
      BlindIndex.create({ key, table, field, normalize: normalizeText, bits: 64, hash, onWarning: () => undefined })
    const a = await mk('customers', 'phone')
    const values = [
      await mk('customers', 'mobile'),
      await mk('staff', 'phone'),
      await mk('customers', 'phone', 'SM3'),
      await mk('customersp', 'hone'),
    ].map((i) => i.index('x'))
    expect(new Set([a.index('x'), ...values]).size).toBe(5)
    expect((await mk('customers', 'phone')).index('x')).toBe(a.index('x'))
  })

  it('normalises first: every way of writing one value gives one index; values that differ give others', async () => {
    const phone = await BlindIndex.create({
      key,
      table: 'c',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: 32,
      onWarning: () => undefined,
    })
    const forms = [
      '13800138000',
      '138 0013 8000',
      '+86-138-0013-8000',
      '008613800138000',
      '１３８００１３８０００',
      13800138000,
    ]
    expect(new Set(forms.map((f) => phone.index(f))).size).toBe(1)
    expect(phone.index('13800138001')).not.toBe(phone.index('13800138000'))
    expect(phone.normalize(' 138 0013 8000 ')).toBe('+8613800138000')
  })
})

describe('BlindIndex: values, lookup, matches', () => {
  it('values/lookup give one column per key; matches drops other values and invalid stored data', async () => {
    const k2 = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)), version: 'v2' })
    const id = await BlindIndex.create({
      key: [key, k2],
      table: 'customers',
      field: 'id_number',
      normalize: normalizeIdCardCN,
      bits: 16,
    })
    expect(id.columns).toEqual(['id_number_bidx', 'id_number_bidx_v2'])
    const v = id.values('11010519491231002x')
    expect(Object.keys(v)).toEqual(['id_number_bidx', 'id_number_bidx_v2'])
    expect(v.id_number_bidx).toBe(id.index('11010519491231002X'))
    expect(id.lookup('11010519491231002X')).toEqual([
      { column: 'id_number_bidx', value: v.id_number_bidx },
      { column: 'id_number_bidx_v2', value: v.id_number_bidx_v2 },
    ])
    expect(id.matches('11010519491231002x', '11010519491231002X')).toBe(true)
    expect(id.matches('440524188001010014', '11010519491231002X')).toBe(false)
    expect(id.matches('garbage', '11010519491231002X')).toBe(false)
    expect(() => id.matches('11010519491231002X', 'garbage')).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue.InvalidIndexValue' }),
    )
    k2.close()
    expect(() => id.values('11010519491231002X')).toThrow(
      expect.objectContaining({ code: 'FailedOperation.ProviderUnavailable' }),
    )
  })

  it('garbage is never indexed: invalid input and bad normaliser results are InvalidIndexValue', async () => {
    const email = await BlindIndex.create({ key, table: 'c', field: 'email', normalize: normalizeEmail, bits: 16 })
    for (const bad of ['not-an-email', '', '   ', null, undefined, {}, [], 3.5, true]) {
      expect(() => email.index(bad), String(bad)).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue.InvalidIndexValue' }),
      )
    }
    const custom = (f: (v: string) => unknown) =>
      BlindIndex.create({ key, table: 'c', field: 'x', normalize: f as (v: string) => string, bits: 16 })
    const thrower = await custom(() => {
      throw new Error('customer number 12345 is wrong')
    })
    let err: unknown
    try {
      thrower.index('12345')
    } catch (e) {
      err = e
    }
    expect(isKeywardError(err, 'InvalidParameterValue.InvalidIndexValue')).toBe(true)
    expect((err as Error).message).not.toContain('12345')
    expect(((err as Error).cause as Error).message).toContain('customer number')
    const own = await custom(() => {
      throw new KeywardError('InvalidParameterValue', 'mine')
    })
    expect(() => own.index('a')).toThrow(expect.objectContaining({ code: 'InvalidParameterValue', message: 'mine' }))
    for (const result of ['', 42, null, undefined, 'x'.repeat(1025)]) {
      const b = await custom(() => result)
      expect(() => b.index('a'), String(result)).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue.InvalidIndexValue' }),
      )
    }
  })
})

describe('BlindIndex.create: every option is checked before any work', () => {
  const base = () => ({ key, table: 'customers', field: 'phone', normalize: normalizeMobileCN, bits: 14 })
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['no options', {}, 'MissingParameter'],
    ['no normaliser', { normalize: undefined }, 'MissingParameter'],
    ['a normaliser that is not a function', { normalize: 'mobile' }, 'MissingParameter'],
    ['empty table', { table: '' }, 'InvalidParameterValue'],
    ['table not a string', { table: 7 }, 'MissingParameter'],
    ['table too long', { table: 't'.repeat(257) }, 'InvalidParameterValue'],
    ['field with SQL in it', { field: 'phone; DROP TABLE customers' }, 'InvalidParameterValue'],
    ['field with a dot', { field: 'contact.phone' }, 'InvalidParameterValue'],
    ['field starting with a digit', { field: '1phone' }, 'InvalidParameterValue'],
    ['field too long', { field: 'p'.repeat(64) }, 'InvalidParameterValue'],
    ['hash typo', { hash: 'sha256' }, 'InvalidParameterValue'],
    ['hash SM4', { hash: 'SM4' }, 'InvalidParameterValue'],
    ['0 bits', { bits: 0 }, 'InvalidParameterValue'],
    ['257 bits', { bits: MAX_INDEX_BITS + 1 }, 'InvalidParameterValue'],
    ['fractional bits', { bits: 13.5 }, 'InvalidParameterValue'],
    ['bits as text', { bits: '14' }, 'InvalidParameterValue'],
    [
      'a key that is not an IndexKey',
      { key: { ciphertextBlob: 'x', version: undefined, closed: false } },
      'InvalidParameterValue',
    ],
    ['no keys', { key: [] }, 'InvalidParameterValue'],
    ['five keys', { key: [1, 2, 3, 4, 5].map(() => key) }, 'InvalidParameterValue'],
    ['two keys of one version', { key: [key, key] }, 'InvalidParameterValue'],
    ['onWarning not a function', { onWarning: 'log' }, 'InvalidParameterValue'],
  ]
  for (const [what, patch, code] of cases) {
    it(`refuses ${what} with ${code}`, async () => {
      const opts = what === 'no options' ? {} : { ...base(), ...patch }
      await expect(BlindIndex.create(opts as never)).rejects.toMatchObject({ code })
    })
  }
})

describe('leakage warnings', () => {
  it('warns (through onWarning) when the bits leak more than the planned table needs, and not otherwise', async () => {
    const said: string[] = []
    await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: 24,
      expected: { rows: 100_000 },
      onWarning: (m) => said.push(m),
    })
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(
      /customers\.phone: A 24-bit blind index over 100000 distinct values leaks more than it needs to/,
    )
    await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: 14,
      expected: { rows: 100_000 },
      onWarning: (m) => said.push(m),
    })
    expect(said).toHaveLength(1)
  })

  it('by default the warning is a process warning with code KEYWARD_BLIND_INDEX_BITS; > 32 bits without a plan warns too', async () => {
    const seen: Error[] = []
    const listener = (w: Error): void => void seen.push(w)
    process.on('warning', listener)
    try {
      await BlindIndex.create({ key, table: 'customers', field: 'email', normalize: normalizeEmail, bits: 64 })
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', listener)
    }
    expect(seen.map((w) => (w as Error & { code?: string }).code)).toContain('KEYWARD_BLIND_INDEX_BITS')
    expect(seen.find((w) => /64-bit blind index/.test(w.message))).toBeDefined()
  })
})

describe('nothing secret prints', () => {
  it('JSON and inspect of an index and its key show names, never key bytes', async () => {
    const phone = await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: 14,
    })
    const texts = [
      JSON.stringify(phone),
      inspect(phone),
      JSON.stringify(key),
      inspect(key),
      inspect({ phone, key }, { depth: 5 }),
    ]
    for (const t of texts) {
      expect(t).not.toContain(root.toString('hex'))
      expect(t).not.toContain(root.toString('base64'))
    }
    expect(JSON.parse(JSON.stringify(phone))).toEqual({
      table: 'customers',
      field: 'phone',
      bits: 14,
      hash: 'SHA-256',
      columns: ['phone_bidx'],
    })
    expect(JSON.parse(JSON.stringify(key))).toMatchObject({ key: '[REDACTED]', ciphertextBlob: blob.ciphertextBlob })
    expect(inspect(key)).toContain('[REDACTED]')
    expect(Object.keys(key)).not.toContain('root')
  })
})
