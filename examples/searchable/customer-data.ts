/**
 * Synthetic customers for the example: valid, unique mainland mobile numbers and 18-digit 身份证 numbers (real
 * birth dates, GB 11643 check characters), Luhn-valid UnionPay card numbers and e-mail addresses — from a seeded
 * generator, so every run builds the same table. None of it is anyone's data.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { idCardCheckChar, luhnValid } from '@keyward/flows/searchable'

export interface Customer {
  name: string
  phone: string
  id_number: string
  bank_card: string
  email: string
}

/**
 * A seeded stream of numbers in [0, 1): AES-128-CTR over zeros under a key made from the seed (OpenSSL does the
 * work; no hand-written generator), 32 bits per number.
 */
export function prng(seed: number): () => number {
  const key = createHash('sha256').update(`keyward-example-${seed}`).digest().subarray(0, 16)
  const stream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(64 * 1024)
  let buf = stream.update(zeros)
  let at = 0
  return () => {
    if (at + 4 > buf.length) {
      buf = stream.update(zeros)
      at = 0
    }
    const v = buf.readUInt32BE(at) / 4294967296
    at += 4
    return v
  }
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭']
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
]
const REGIONS = ['110101', '110105', '310104', '310115', '440103', '440305', '330106', '510107', '420102', '320102']
const PINYIN = [
  'wang',
  'li',
  'zhang',
  'liu',
  'chen',
  'yang',
  'huang',
  'zhao',
  'wu',
  'zhou',
  'xu',
  'sun',
  'ma',
  'zhu',
  'hu',
  'guo',
]

const digits = (rnd: () => number, n: number): string =>
  Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('')
const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T

/** A valid mobile number (13x-19x). */
export function randomPhone(rnd: () => number): string {
  return `1${3 + Math.floor(rnd() * 7)}${digits(rnd, 9)}`
}

/** A valid 18-digit 身份证 number, born 1950-2005. */
export function randomIdNumber(rnd: () => number): string {
  const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 56 * 365.25) * 86_400_000)
  const birth = day.toISOString().slice(0, 10).replace(/-/g, '')
  const first17 = `${pick(rnd, REGIONS)}${birth}${digits(rnd, 3)}`
  return first17 + idCardCheckChar(first17)
}

/** A Luhn-valid 16-digit UnionPay card number. */
export function randomCard(rnd: () => number): string {
  const body = `62${digits(rnd, 13)}`
  for (let c = 0; c < 10; c++) if (luhnValid(`${body}${c}`)) return `${body}${c}`
  throw new Error('unreachable: one check digit always fits')
}

/** `n` customers with distinct phone and ID numbers, the same for the same seed. */
export function generateCustomers(n: number, seed = 15): Customer[] {
  const rnd = prng(seed)
  const phones = new Set<string>()
  const ids = new Set<string>()
  const out: Customer[] = []
  while (out.length < n) {
    const phone = randomPhone(rnd)
    const id = randomIdNumber(rnd)
    if (phones.has(phone) || ids.has(id)) continue
    phones.add(phone)
    ids.add(id)
    const s = Math.floor(rnd() * SURNAMES.length)
    out.push({
      name: `${SURNAMES[s]}${pick(rnd, GIVEN)}`,
      phone,
      id_number: id,
      bank_card: randomCard(rnd),
      email: `${PINYIN[s]}.${out.length}@example.com`,
    })
  }
  return out
}
