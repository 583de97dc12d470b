import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CompoundIndex,
  IndexKey,
  idCardBirthDate,
  idCardCheckChar,
  lastDigits,
  normalizeMobileCN,
  normalizeText,
  type IndexHash,
} from '@keyward/flows/searchable'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { independentIndex, rawIndexKey, softwareWithCmk } from './helpers.js'

let provider: SoftwareKeyProvider
let key: IndexKey
let root: Buffer

beforeAll(async () => {
  const s = await softwareWithCmk()
  provider = s.provider
  const blob = await IndexKey.generate(provider, s.cmkId)
  key = new IndexKey({ provider, ...blob })
  root = await rawIndexKey(provider, blob)
})
afterAll(async () => {
  key.close()
  await provider.close()
})

const birthPhone4 = (hash: IndexHash = 'SHA-256', bits = 16) =>
  CompoundIndex.create({
    key,
    table: 'customers',
    name: 'birth_phone4',
    bits,
    hash,
    parts: [
      { field: 'id_number', normalize: idCardBirthDate },
      { field: 'phone', normalize: lastDigits(4, normalizeMobileCN) },
    ],
  })

/** The documented encoding: each part's UTF-8 length (4 bytes, big-endian) and bytes. */
const encoded = (...parts: string[]): Buffer =>
  Buffer.concat(
    parts.flatMap((p) => {
      const b = Buffer.from(p, 'utf8')
      const len = Buffer.alloc(4)
      len.writeUInt32BE(b.length)
      return [len, b]
    }),
  )

describe('CompoundIndex', () => {
  for (const hash of ['SHA-256', 'SM3'] as const) {
    it(`${hash}: birth date (from the 身份证) + last four phone digits, as independent code computes it`, async () => {
      const ix = await birthPhone4(hash)
      const rec = { id_number: '11010519491231002x', phone: '+86 138 0013 8000', name: 'ignored' }
      expect(ix.normalize(rec)).toEqual(['19491231', '8000'])
      expect(ix.index(rec)).toBe(
        independentIndex(hash, root, 'customers', 'birth_phone4', encoded('19491231', '8000'), 16),
      )
      // Another person born the same day with the same last four digits shares the value (that is the point).
      expect(
        ix.index({ id_number: `44052419491231001${idCardCheckChar('44052419491231001')}`, phone: '139 1234 8000' }),
      ).toBe(ix.index(rec))
    })
  }

  it('the length prefixes keep ("ab", "c") and ("a", "bc") apart', async () => {
    const pair = await CompoundIndex.create({
      key,
      table: 't',
      name: 'pair',
      bits: 64,
      onWarning: () => undefined,
      parts: [
        { field: 'a', normalize: normalizeText },
        { field: 'b', normalize: normalizeText },
      ],
    })
    expect(pair.index({ a: 'ab', b: 'c' })).not.toBe(pair.index({ a: 'a', b: 'bc' }))
    expect(pair.index({ a: 'ab', b: 'c' })).toBe(independentIndex('SHA-256', root, 't', 'pair', encoded('ab', 'c'), 64))
  })

  it('values/lookup/matches work on records; a missing or invalid part is InvalidIndexValue naming the part', async () => {
    const ix = await birthPhone4()
    const rec = { id_number: '11010519491231002X', phone: '13800138000' }
    expect(ix.values(rec)).toEqual({ birth_phone4_bidx: ix.index(rec) })
    expect(ix.lookup(rec)).toEqual([{ column: 'birth_phone4_bidx', value: ix.index(rec) }])
    expect(ix.matches({ id_number: '11010519491231002x', phone: '+86 139 0000 8000' }, rec)).toBe(true)
    expect(ix.matches({ id_number: '440524188001010014', phone: '13800138000' }, rec)).toBe(false)
    expect(ix.matches({ phone: '13800138000' }, rec)).toBe(false)
    expect(() => ix.index({ phone: '13800138000' })).toThrow(
      expect.objectContaining({
        code: 'InvalidParameterValue.InvalidIndexValue',
        message: expect.stringMatching(/part id_number/),
      }),
    )
    expect(() => ix.index({ id_number: '110105194912310021', phone: '13800138000' })).toThrow(/check character/)
    expect(() =>
      ix.index(Object.assign(Object.create({ id_number: '11010519491231002X' }) as object, { phone: '13800138000' })),
    ).toThrow(/part id_number/) // inherited fields do not count
    expect(() => ix.index(null as never)).toThrow(expect.objectContaining({ code: 'InvalidParameterValue' }))
    expect(JSON.parse(JSON.stringify(ix))).toEqual({
      table: 'customers',
      name: 'birth_phone4',
      fields: ['id_number', 'phone'],
      bits: 16,
      hash: 'SHA-256',
      columns: ['birth_phone4_bidx'],
    })
  })

  it('checks its options', async () => {
    const ok = { key, table: 't', name: 'n', bits: 8 }
    await expect(CompoundIndex.create({ ...ok, parts: [] })).rejects.toMatchObject({ code: 'InvalidParameterValue' })
    await expect(
      CompoundIndex.create({
        ...ok,
        parts: Array.from({ length: 9 }, (_, i) => ({ field: `f${i}`, normalize: normalizeText })),
      }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' })
    await expect(
      CompoundIndex.create({ ...ok, parts: [{ field: '', normalize: normalizeText }] }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' })
    await expect(CompoundIndex.create({ ...ok, parts: [{ field: 'a' } as never] })).rejects.toMatchObject({
      code: 'MissingParameter',
    })
    await expect(
      CompoundIndex.create({ ...ok, name: 'bad name', parts: [{ field: 'a', normalize: normalizeText }] }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' })
  })
})
