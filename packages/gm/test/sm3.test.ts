import { describe, expect, it } from 'vitest'
import { codeOf, hexField, loadWycheproof } from '@keyward/test-support'
import { hmacSm3, sm3 } from '@keyward/gm'
import smCrypto from 'sm-crypto'

describe('sm3', () => {
  it('matches the GB/T 32905 examples', () => {
    expect(sm3(Buffer.from('abc')).toString('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    )
    expect(sm3(Buffer.from('abcd'.repeat(16))).toString('hex')).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    )
  })
  it('agrees with sm-crypto on random inputs', () => {
    for (let len = 0; len < 300; len += 7) {
      const data = Buffer.alloc(len, len & 0xff)
      expect(sm3(data).toString('hex')).toBe(smCrypto.sm3(Array.from(data)))
    }
  })
  it('rejects non-bytes with InvalidParameter', async () => {
    expect(await codeOf(() => sm3('abc' as unknown as Uint8Array))).toBe('InvalidParameter')
    expect(await codeOf(() => hmacSm3(Buffer.alloc(1), 42 as unknown as Uint8Array))).toBe('InvalidParameter')
  })
})

describe('hmacSm3 against Wycheproof hmac_sm3_test.json', () => {
  const file = loadWycheproof('hmac_sm3_test.json')
  it(`checks all ${file.numberOfTests} vectors (valid match, invalid differ)`, () => {
    let valid = 0
    let invalid = 0
    for (const group of file.testGroups) {
      const tagBytes = Number(group['tagSize']) / 8
      for (const t of group.tests) {
        const mac = hmacSm3(hexField(t, 'key'), hexField(t, 'msg')).subarray(0, tagBytes)
        const same = mac.equals(hexField(t, 'tag'))
        if (t.result === 'invalid') {
          expect(same, `tcId ${t.tcId}`).toBe(false)
          invalid++
        } else {
          expect(same, `tcId ${t.tcId}`).toBe(true)
          valid++
        }
      }
    }
    expect(valid + invalid).toBe(file.numberOfTests)
    expect(valid).toBeGreaterThan(0)
  })
})
