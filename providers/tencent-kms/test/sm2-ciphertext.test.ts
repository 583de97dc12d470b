import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireBinary, run } from '@keyward/test-support'
import { ok, startStubKms, stubProvider, type StubKms } from './stub-kms-server.js'

// Raw 04‖x‖y‖C3‖C2 is re-encoded to the DER SEQUENCE Tencent's AsymmetricSm2Decrypt takes; openssl's ASN.1
// parser (an independent implementation) reads the result back.
let stub: StubKms
beforeAll(async () => {
  stub = await startStubKms(() => ok({ KeyId: 'k1', Plaintext: Buffer.from('hi').toString('base64') }))
})
afterAll(() => stub.close())

function sentCiphertext(): Buffer {
  return Buffer.from(String(stub.requests.at(-1)!.body.Ciphertext), 'base64')
}

describe('SM2 ciphertext for AsymmetricSm2Decrypt', () => {
  it('re-encodes raw C1C3C2 as DER that openssl parses into x, y, C3, C2', async () => {
    const openssl = requireBinary('openssl')
    const x = Buffer.alloc(32, 0x81) // top bit set: needs a 00 pad
    const y = Buffer.concat([Buffer.alloc(1, 0), Buffer.alloc(31, 0x22)]) // leading zero: dropped
    const c3 = Buffer.alloc(32, 0x93)
    const c2 = Buffer.alloc(150, 0xa4) // long-form length
    const kms = stubProvider(stub)
    await kms.asymmetricSm2Decrypt({ keyId: 'k1', ciphertext: Buffer.concat([Buffer.from([4]), x, y, c3, c2]) })
    const der = sentCiphertext()
    const parsed = run(openssl, ['asn1parse', '-inform', 'DER'], der).toString()
    const lines = parsed.trim().split('\n')
    expect(lines[0]).toContain('SEQUENCE')
    expect(lines[1]).toMatch(/l= *33 prim: INTEGER\s+:(81){32}$/)
    expect(lines[2]).toMatch(/l= *31 prim: INTEGER\s+:(22){31}$/)
    expect(lines[3]).toMatch(/OCTET STRING\s+\[HEX DUMP\]:(93){32}$/)
    expect(lines[4]).toMatch(/OCTET STRING\s+\[HEX DUMP\]:(A4){150}$/)
    expect(lines).toHaveLength(5)
  })

  it('passes DER through unchanged', async () => {
    const der = Buffer.from('3009020101020102040100', 'hex')
    await stubProvider(stub).asymmetricSm2Decrypt({ keyId: 'k1', ciphertext: der })
    expect(sentCiphertext().equals(der)).toBe(true)
  })
})
