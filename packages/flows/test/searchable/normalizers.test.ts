import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import {
  idCardBirthDate,
  idCardCheckChar,
  lastDigits,
  luhnValid,
  normalizeBankCard,
  normalizeE164,
  normalizeEmail,
  normalizeIdCardCN,
  normalizeMobileCN,
  normalizeText,
  type Normalizer,
} from '@keyward/flows/searchable'

/**
 * Expects `fn(input)` to throw InvalidIndexValue whose message matches `reason` and never repeats the input's digits.
 */
function refuses(fn: Normalizer, input: unknown, reason: RegExp): void {
  let err: unknown
  try {
    fn(input as string)
  } catch (e) {
    err = e
  }
  expect(isKeywardError(err, 'InvalidParameterValue.InvalidIndexValue'), `${String(input)} should be refused`).toBe(
    true,
  )
  const msg = (err as Error).message
  expect(msg).toMatch(reason)
  // Personal data never reaches an error message (they end up in logs).
  const digits = String(input).replace(/\D/g, '')
  if (digits.length >= 4) expect(msg.replace(/\D/g, ' ')).not.toContain(digits)
}

/** ISO 7064 MOD 11-2 from its definition (Σ aᵢ·2^(18−i) ≡ 1 mod 11, X = 10), independent of the weight table. */
function mod112Valid(id: string): boolean {
  let sum = 0
  for (let i = 0; i < 18; i++) sum += (id[i] === 'X' ? 10 : Number(id[i])) * 2 ** (17 - i)
  return sum % 11 === 1
}

describe('normalizeMobileCN', () => {
  it('every usual way of writing one number gives +86 and 11 digits', () => {
    for (const v of [
      '13800138000',
      '138 0013 8000',
      '138-0013-8000',
      '+86 138 0013 8000',
      '+86-138-0013-8000',
      '+8613800138000',
      '008613800138000',
      '8613800138000',
      ' (+86) 138.0013.8000 ',
      '１３８００１３８０００',
      13800138000,
    ]) {
      expect(normalizeMobileCN(v as string), String(v)).toBe('+8613800138000')
    }
    expect(normalizeMobileCN('19912345678')).toBe('+8619912345678')
  })

  it('refuses wrong lengths, landlines, other countries, letters and non-strings, naming the reason', () => {
    refuses(normalizeMobileCN, '1380013800', /expected 11 digits, got 10/)
    refuses(normalizeMobileCN, '138001380001', /expected 11 digits, got 12/)
    refuses(normalizeMobileCN, '12800138000', /start with 13-19/)
    refuses(normalizeMobileCN, '01062345678', /start with 13-19/)
    refuses(normalizeMobileCN, '+1 415 555 2671', /country code is not \+86/)
    refuses(normalizeMobileCN, '0044 20 7946 0958', /country code is not \+86/)
    refuses(normalizeMobileCN, '138O0138000', /other than digits/)
    refuses(normalizeMobileCN, '', /empty/)
    refuses(normalizeMobileCN, '   ', /empty/)
    refuses(normalizeMobileCN, null, /expected a string/)
    refuses(normalizeMobileCN, { phone: '13800138000' }, /expected a string/)
    refuses(normalizeMobileCN, 1.5, /expected a string/)
    refuses(normalizeMobileCN, -13800138000, /expected a string/)
    refuses(normalizeMobileCN, '1'.repeat(5000), /longer than 1024/)
  })
})

describe('normalizeE164', () => {
  it('international forms, with separators and a (0) trunk prefix, become +digits', () => {
    expect(normalizeE164('+44 (0)20 7946 0958')).toBe('+442079460958')
    expect(normalizeE164('0044 20 7946 0958')).toBe('+442079460958')
    expect(normalizeE164('+1 (415) 555-2671')).toBe('+14155552671')
    expect(normalizeE164('+683 4002')).toBe('+6834002')
    expect(normalizeE164('+852 2345 6789')).toBe('+85223456789')
  })

  it('agrees with normalizeMobileCN on Chinese mobiles, and holds +86 1… numbers to the mobile rules', () => {
    expect(normalizeE164('+86 138 0013 8000')).toBe(normalizeMobileCN('138 0013 8000'))
    expect(normalizeE164('+86 10 6234 5678')).toBe('+861062345678') // a Beijing landline is valid E.164
    refuses(normalizeE164, '+86 138 0013 800', /expected 11 digits/)
  })

  it('refuses national forms, a 0 country code, more than 15 or fewer than 7 digits', () => {
    refuses(normalizeE164, '020 7946 0958', /international form/)
    refuses(normalizeE164, '13800138000', /international form/)
    refuses(normalizeE164, '+0 123 4567 890', /do not start with 0/)
    refuses(normalizeE164, '+1234567890123456', /7-15 digits, got 16/)
    refuses(normalizeE164, '+123456', /7-15 digits, got 6/)
    refuses(normalizeE164, '+44 20 7946 O958', /other than digits/)
  })
})

describe('normalizeIdCardCN', () => {
  it('accepts checksummed numbers with real birth dates; x becomes X; spaces and full-width forms are folded', () => {
    expect(normalizeIdCardCN('11010519491231002X')).toBe('11010519491231002X') // GB 11643-1999's own example
    expect(normalizeIdCardCN('11010519491231002x')).toBe('11010519491231002X')
    expect(normalizeIdCardCN('110105 19491231 002x')).toBe('11010519491231002X')
    expect(normalizeIdCardCN('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X')
    expect(normalizeIdCardCN('440524188001010014')).toBe('440524188001010014')
    expect(normalizeIdCardCN('320106200002290014'.slice(0, 17) + idCardCheckChar('32010620000229001'))).toMatch(
      /^32010620000229001/,
    )
  })

  it('the check character agrees with ISO 7064 MOD 11-2 from its definition, for every 17-digit prefix tried', () => {
    for (let i = 0; i < 2000; i++) {
      const first17 = `1101051990${String(101 + (i % 12) * 100 + (i % 28)).padStart(4, '0')}${String(i % 1000).padStart(3, '0')}`
      const id = first17 + idCardCheckChar(first17)
      expect(mod112Valid(id), id).toBe(true)
      for (const wrong of '0123456789X') if (wrong !== id[17]) expect(mod112Valid(first17 + wrong)).toBe(false)
    }
  })

  it('refuses every wrong check character, bad dates, 15-digit numbers, wrong lengths and letters', () => {
    for (const c of '0123456789') refuses(normalizeIdCardCN, `11010519491231002${c}`, /check character does not match/)
    refuses(normalizeIdCardCN, '110105194912310021', /check character/)
    // 30 Feb
    refuses(normalizeIdCardCN, '110105194902300029'.slice(0, 17) + idCardCheckChar('11010519490230002'), /birth date/)
    // 1900 was not a leap year
    refuses(normalizeIdCardCN, '11010519000229001'.concat(idCardCheckChar('11010519000229001')), /birth date/)
    refuses(normalizeIdCardCN, '11010517991231001'.concat(idCardCheckChar('11010517991231001')), /birth date/)
    refuses(
      normalizeIdCardCN,
      `110105${new Date().getUTCFullYear() + 1}0101001`.concat(
        idCardCheckChar(`110105${new Date().getUTCFullYear() + 1}0101001`),
      ),
      /birth date/,
    )
    refuses(normalizeIdCardCN, '110105491231002', /15-digit first-generation/)
    refuses(normalizeIdCardCN, '11010519491231002', /expected 18 characters, got 17/)
    refuses(normalizeIdCardCN, '1101051949123100XX', /17 digits and a digit or X/)
    refuses(normalizeIdCardCN, 'A1010519491231002X', /17 digits/)
  })

  it('idCardBirthDate reads the birth date of a valid number only', () => {
    expect(idCardBirthDate('11010519491231002x')).toBe('19491231')
    refuses(idCardBirthDate, '110105194912310021', /check character/)
  })
})

describe('normalizeBankCard', () => {
  it('digits only, Luhn-checked, 12-19 digits', () => {
    expect(normalizeBankCard('6222 0212 3456 7894')).toBe('6222021234567894')
    expect(normalizeBankCard('4111-1111-1111-1111')).toBe('4111111111111111')
    expect(normalizeBankCard('6200 0000 0000 0005')).toBe('6200000000000005') // UnionPay test number
    expect(normalizeBankCard('６２００ ００００ ００００ ０００５')).toBe('6200000000000005')
    expect(
      normalizeBankCard(
        '6212345678901234567'.slice(0, 18) + [...'0123456789'].find((c) => luhnValid(`621234567890123456${c}`)),
      ),
    ).toHaveLength(19)
  })

  it('luhnValid matches the published examples', () => {
    expect(luhnValid('79927398713')).toBe(true)
    for (const d of '012456789') expect(luhnValid(`7992739871${d}`)).toBe(false)
  })

  it('refuses a wrong check digit (every one), wrong lengths and letters', () => {
    for (const d of '023456789') refuses(normalizeBankCard, `411111111111111${d}`, /Luhn/)
    refuses(normalizeBankCard, '79927398713', /12-19 digits, got 11/)
    refuses(normalizeBankCard, '62000000000000000005', /12-19 digits, got 20/)
    refuses(normalizeBankCard, '6200 0000 0000 000S', /other than digits/)
  })
})

describe('normalizeEmail', () => {
  it('trims, lower-cases, and puts internationalised domains in IDNA form', () => {
    expect(normalizeEmail('  Zhang.San@Example.COM ')).toBe('zhang.san@example.com')
    expect(normalizeEmail('张三@例子.中国')).toBe(normalizeEmail('张三@xn--fsqu00a.xn--fiqs8s'))
    expect(normalizeEmail('a+tag@mail.example.cn')).toBe('a+tag@mail.example.cn')
  })

  it('refuses what is not an address, including a percent-encoded domain', () => {
    refuses(normalizeEmail, 'zhang.san@', /domain/)
    refuses(normalizeEmail, '@example.com', /before @/)
    refuses(normalizeEmail, 'a@b@example.com', /exactly one @/)
    refuses(normalizeEmail, 'no-at-sign.example.com', /exactly one @/)
    refuses(normalizeEmail, 'a b@example.com', /spaces/)
    refuses(normalizeEmail, 'ab@localhost', /not a valid domain/)
    refuses(normalizeEmail, 'ab@exa..mple.com', /not a valid domain/)
    refuses(normalizeEmail, 'ab@-example.com', /not a valid domain/)
    refuses(normalizeEmail, 'ab@ex%61mple.com', /%/)
    refuses(normalizeEmail, `${'a'.repeat(65)}@example.com`, /1-64/)
    refuses(
      normalizeEmail,
      `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.example.com`,
      /254/,
    )
  })
})

describe('transforms', () => {
  it('lastDigits takes the last n digits of a value its base accepted', () => {
    expect(lastDigits(4, normalizeMobileCN)('+86 138 0013 8000')).toBe('8000')
    expect(lastDigits(4, normalizeBankCard)('6222 0212 3456 7894')).toBe('7894')
    refuses(lastDigits(4, normalizeMobileCN), '138 0013 800', /11 digits/)
    refuses(lastDigits(4, normalizeText), 'ab1', /at least 4 digits/)
    expect(() => lastDigits(0, normalizeText)).toThrow(/n must be an integer/)
  })

  it('normalizeText folds white space (including U+3000) and keeps case', () => {
    expect(normalizeText('  张　三  ')).toBe('张 三')
    expect(normalizeText('Li\tNa')).toBe('Li Na')
    expect(normalizeText('Li Na')).not.toBe(normalizeText('li na'))
    refuses(normalizeText, '\u3000 ', /empty/)
  })
})
