import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GenerateDataKeyRequest } from '@keyward/core'
import { EnvelopeClient, ProviderMasterKey, type JsonFieldIndexer } from '@keyward/flows/envelope'
import {
  BlindIndex,
  IndexKey,
  normalizeBankCard,
  normalizeIdCardCN,
  normalizeMobileCN,
} from '@keyward/flows/searchable'
import type { SoftwareKeyProvider } from '@keyward/provider-software'
import { softwareWithCmk } from './helpers.js'

let provider: SoftwareKeyProvider
let cmkId: string
let key: IndexKey
let phone: BlindIndex
let idNumber: BlindIndex
let card: BlindIndex
let client: EnvelopeClient
let generated = 0

beforeAll(async () => {
  ;({ provider, cmkId } = await softwareWithCmk())
  key = new IndexKey({ provider, ...(await IndexKey.generate(provider, cmkId)) })
  const common = { key, table: 'customers', bits: 14 }
  phone = await BlindIndex.create({ ...common, field: 'phone', normalize: normalizeMobileCN })
  idNumber = await BlindIndex.create({ ...common, field: 'id_number', normalize: normalizeIdCardCN })
  card = await BlindIndex.create({ ...common, field: 'no', normalize: normalizeBankCard })
  // The real provider; GenerateDataKey calls counted to show a refused value costs no KMS call.
  const counting = new Proxy(provider, {
    get: (t, prop) => {
      if (prop === 'generateDataKey') return (req: GenerateDataKeyRequest) => (generated++, t.generateDataKey(req))
      const v = Reflect.get(t, prop) as unknown
      return typeof v === 'function' ? v.bind(t) : v
    },
  })
  client = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: counting, keyId: cmkId }) })
})
afterAll(async () => {
  key.close()
  await provider.close()
})

const customer = () => ({
  id: 7,
  name: '张三',
  phone: '+86 138 0013 8000',
  id_number: '11010519491231002x',
  card: { no: '6222 0212 3456 7894', bank: 'ICBC' },
})

describe('encryptJsonFields emits <field>_bidx beside each indexed field', () => {
  it('top-level and nested fields: index properties from the plaintext, fields encrypted, decrypt unchanged', async () => {
    const row = await client.encryptJsonFields(customer(), ['name', 'phone', 'id_number', 'card.no'], {
      blindIndexes: { phone, id_number: idNumber, 'card.no': card },
    })
    expect(row.phone_bidx).toBe(phone.index('13800138000'))
    expect(row.id_number_bidx).toBe(idNumber.index('11010519491231002X'))
    expect((row.card as Record<string, unknown>).no_bidx).toBe(card.index('6222021234567894'))
    expect(row.phone).not.toContain('138')
    expect(row.id).toBe(7)
    // The index properties travel with the row and do not disturb decryption.
    const { object } = await client.decryptJsonFields(row, ['name', 'phone', 'id_number', 'card.no'])
    expect(object).toMatchObject({
      ...customer(),
      phone_bidx: row.phone_bidx,
      card: { no: '6222 0212 3456 7894', bank: 'ICBC', no_bidx: (row.card as Record<string, unknown>).no_bidx },
    })
  })

  it('the same value written differently gives the same index (the lookup finds it)', async () => {
    const a = await client.encryptJsonFields({ phone: '13800138000' }, ['phone'], { blindIndexes: { phone } })
    const b = await client.encryptJsonFields({ phone: '１３８-００１３-８０００' }, ['phone'], {
      blindIndexes: { phone },
    })
    expect(a.phone_bidx).toBe(b.phone_bidx)
    expect(a.phone).not.toBe(b.phone)
    expect(phone.lookup('+8613800138000')).toEqual([{ column: 'phone_bidx', value: a.phone_bidx }])
  })

  it("an invalid value fails the whole call before any KMS call, and the caller's object is untouched", async () => {
    const before = generated
    const obj = { ...customer(), id_number: '110105194912310021' } // wrong check character
    const copy = structuredClone(obj)
    await expect(
      client.encryptJsonFields(obj, ['name', 'phone', 'id_number'], { blindIndexes: { phone, id_number: idNumber } }),
    ).rejects.toMatchObject({
      code: 'InvalidParameterValue.InvalidIndexValue',
      message: expect.stringMatching(/check character/),
    })
    expect(generated).toBe(before)
    expect(obj).toEqual(copy)
    await expect(
      client.encryptJsonFields({ phone: null }, ['phone'], { blindIndexes: { phone } }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue.InvalidIndexValue' })
    await expect(
      client.encryptJsonFields({ phone: { n: '13800138000' } }, ['phone'], { blindIndexes: { phone } }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue.InvalidIndexValue' })
    expect(generated).toBe(before)
  })

  it('refuses an index for a path that is not encrypted, a field in an array, and properties that would overwrite', async () => {
    const refuse = (
      obj: Record<string, unknown>,
      paths: string[],
      blindIndexes: Record<string, JsonFieldIndexer>,
      msg: RegExp,
    ) =>
      expect(client.encryptJsonFields(obj, paths, { blindIndexes })).rejects.toMatchObject({
        code: 'InvalidParameterValue',
        message: expect.stringMatching(msg),
      })
    await refuse({ phone: '13800138000', name: 'x' }, ['name'], { phone }, /not one of the encrypted paths/)
    await refuse({ phones: ['13800138000'] }, ['phones.0'], { 'phones.0': phone }, /array element/)
    await refuse({ phone: '13800138000', phone_bidx: 'stale' }, ['phone'], { phone }, /would overwrite/)
    await refuse({ phone: '13800138000', phone_bidx: 'x' }, ['phone', 'phone_bidx'], { phone }, /would overwrite/)
    await refuse(
      { mobile: '13800138000', phone: '13900139000' },
      ['mobile', 'phone'],
      { mobile: phone, phone },
      /would overwrite/,
    ) // both write phone_bidx
    await refuse({ phone: '13800138000' }, ['phone'], { phone: { index: () => 'x' } as never }, /not a blind index/)
    await refuse({ phone: '13800138000' }, ['phone'], [phone] as never, /must map encrypted paths/)
    await refuse(
      { phone: '13800138000' },
      ['phone'],
      { phone: { values: () => ({ kms_encrypt_key: 'x' }) } },
      /cannot be named kms_encrypt_key/,
    )
  })

  it('a custom indexer naming __proto__ adds a plain property, never a prototype', async () => {
    const evil: JsonFieldIndexer = { values: () => JSON.parse('{"__proto__": "polluted"}') as Record<string, string> }
    const row = await client.encryptJsonFields({ v: 'x' }, ['v'], { blindIndexes: { v: evil } })
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
