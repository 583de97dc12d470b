import { describe, expect, it } from 'vitest'
import { KMS_ENCRYPT_KEY } from '@keyward/flows/envelope'
import { codeOf } from '@keyward/test-support'
import { rawClient } from './helpers.js'

const client = rawClient()
const row = {
  user_id: 42,
  name: '张三',
  id_card: '11010119900307001X',
  card: { number: '6222020200000000', expiry: '12/29', limits: [1, 2] },
  accounts: [{ iban: 'CN00 1234' }, { iban: 'CN00 5678' }],
  note: null,
}
const paths = ['name', 'id_card', 'card.number', 'card.limits', 'accounts.1.iban', 'note']

describe('JSON field-level encryption', () => {
  it('encrypts chosen (nested) fields, adds one kms_encrypt_key, leaves the rest, and decrypts back', async () => {
    const enc = await client.encryptJsonFields(row, paths, { encryptionContext: { table: 'customers' } })
    expect(enc.user_id).toBe(42)
    expect((enc.card as Record<string, unknown>).expiry).toBe('12/29')
    expect((enc.accounts as Array<Record<string, string>>)[0]!.iban).toBe('CN00 1234')
    for (const v of [enc.name, enc.id_card, (enc.card as Record<string, unknown>).number, enc.note])
      expect(typeof v).toBe('string')
    expect(JSON.stringify(enc)).not.toContain('6222020200000000')
    expect(typeof enc[KMS_ENCRYPT_KEY]).toBe('string')
    expect(row.name).toBe('张三') // input untouched
    const { object, info } = await client.decryptJsonFields(JSON.parse(JSON.stringify(enc)), paths, {
      encryptionContext: { table: 'customers' },
    })
    expect(object).toEqual(row)
    expect(info.encryptionContext).toEqual({ table: 'customers' })
  })

  it('detects values swapped between fields, a dropped field, a wrong context and an edited kms_encrypt_key', async () => {
    const enc = await client.encryptJsonFields(row, paths, { encryptionContext: { table: 'customers' } })
    const ctx = { encryptionContext: { table: 'customers' } }
    expect(await codeOf(client.decryptJsonFields({ ...enc, name: enc.id_card, id_card: enc.name }, paths, ctx))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(client.decryptJsonFields(enc, paths.slice(1), ctx))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    expect(await codeOf(client.decryptJsonFields(enc, paths, { encryptionContext: { table: 'other' } }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
    const key = Buffer.from(enc[KMS_ENCRYPT_KEY] as string, 'base64')
    key[key.length - 20] = (key[key.length - 20] as number) ^ 1
    expect(
      await codeOf(client.decryptJsonFields({ ...enc, [KMS_ENCRYPT_KEY]: key.toString('base64') }, paths, ctx)),
    ).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(await codeOf(client.decryptJsonFields({ ...enc, name: 'plain' }, paths, ctx))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('checks its inputs', async () => {
    expect(await codeOf(client.encryptJsonFields(row, ['missing']))).toBe('InvalidParameterValue')
    expect(await codeOf(client.encryptJsonFields(row, ['card', 'card.number']))).toBe('InvalidParameterValue')
    expect(await codeOf(client.encryptJsonFields(row, ['name', 'name']))).toBe('InvalidParameterValue')
    // Nested paths that do not sort next to each other ('-' sorts before '.').
    expect(await codeOf(client.encryptJsonFields({ a: { b: 1 }, 'a-x': 2 }, ['a', 'a-x', 'a.b']))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(client.encryptJsonFields({ n: 10n } as never, ['n']))).toBe('InvalidParameterValue')
    expect(await codeOf(client.encryptJsonFields({ f: () => 1 } as never, ['f']))).toBe('InvalidParameterValue')
    expect(await codeOf(client.encryptJsonFields({ ...row, [KMS_ENCRYPT_KEY]: 'x' }, ['name']))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(client.decryptJsonFields({ name: 'x' }, ['name']))).toBe('MissingParameter')
    expect(await codeOf(client.decryptJsonFields({ name: 'x', [KMS_ENCRYPT_KEY]: '!!' }, ['name']))).toBe(
      'FailedOperation.InvalidMessage',
    )
  })
})
