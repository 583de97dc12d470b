/**
 * Issue 16 item 3: a reader can pin the algorithm suites it accepts (`allowedSuites`), so that a 国密 deployment
 * refuses AES messages — before any master key is called.
 */
import { describe, expect, it } from 'vitest'
import { EnvelopeClient, SUITE_NAMES } from '@keyward/flows/envelope'
import { CountingMasterKey, chunks, collect } from './helpers.js'
import { codeOf } from '@keyward/test-support'

/** Code and message: these refusals must say which suite and why. */
const refusal = (p: Promise<unknown>): Promise<string> => codeOf(p, { withMessage: true })

const pt = Buffer.from('转账 100 元')
const SM4 = 'SM4_GCM_HKDF_SM3_COMMIT'
const AES = 'AES_256_GCM_HKDF_SHA256_COMMIT'

describe('allowedSuites (suite pinning on decrypt)', () => {
  it('defaults to every suite: a client set to SM4-GCM still reads AES messages unless told otherwise', async () => {
    const mk = new CountingMasterKey()
    const aes = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
    const reader = new EnvelopeClient({ keyring: mk, suite: SM4 })
    expect([...reader.allowedSuites]).toEqual([...SUITE_NAMES])
    expect((await reader.decrypt(aes)).plaintext.equals(pt)).toBe(true)
  })

  it('a 国密 reader (allowedSuites: [SM4]) refuses an AES message before any master key is called, one-shot and streamed', async () => {
    const mk = new CountingMasterKey()
    const aes = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
    const gm = new EnvelopeClient({ keyring: mk, allowedSuites: [SM4] })
    expect(gm.suite.name).toBe(SM4) // the default suite follows the policy
    const before = mk.decrypted
    expect(await refusal(gm.decrypt(aes))).toMatch(
      /^FailedOperation\.InvalidMessage: .*AES_256_GCM_HKDF_SHA256_COMMIT.*allowedSuites/,
    )
    expect(await refusal(collect(gm.decryptStream(chunks(aes, 1))))).toMatch(/^FailedOperation\.InvalidMessage: /)
    expect(mk.decrypted).toBe(before)
    // Its own SM4 messages still decrypt.
    expect((await gm.decrypt(await gm.encrypt(pt))).plaintext.equals(pt)).toBe(true)
  })

  it('a relabelled suite id cannot smuggle AES past the policy (the id is what is checked; the frames would fail anyway)', async () => {
    const mk = new CountingMasterKey()
    const aes = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
    const relabelled = Buffer.from(aes)
    relabelled.writeUInt16BE(0x0002, 4)
    const gm = new EnvelopeClient({ keyring: mk, allowedSuites: [SM4] })
    expect(await refusal(gm.decrypt(relabelled))).toMatch(/^InvalidParameterValue\.InvalidCiphertext: /)
  })

  it('a call can narrow the policy, never widen it', async () => {
    const mk = new CountingMasterKey()
    const aes = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
    const sm4 = await new EnvelopeClient({ keyring: mk, suite: SM4 }).encrypt(pt)
    const open = new EnvelopeClient({ keyring: mk })
    expect(await refusal(open.decrypt(aes, { allowedSuites: [SM4] }))).toMatch(/^FailedOperation\.InvalidMessage: /)
    expect(await refusal(open.decrypt(sm4, { allowedSuites: [SM4] }))).toBe('no error')
    const gm = new EnvelopeClient({ keyring: mk, allowedSuites: [SM4] })
    expect(await refusal(gm.decrypt(aes, { allowedSuites: [AES] }))).toMatch(/^FailedOperation\.InvalidMessage: /)
    expect(await refusal(gm.decryptJsonFields(await open.encryptJsonFields({ a: 1 }, ['a']), ['a']))).toMatch(
      /^FailedOperation\.InvalidMessage: /,
    )
  })

  it('Precondition: allowedSuites is a non-empty list of known suites that includes the suite the client writes', async () => {
    const mk = new CountingMasterKey()
    for (const bad of [[], ['AES_128_ECB'], 'SM4_GCM_HKDF_SM3_COMMIT', [SM4, 'nope']]) {
      expect(await refusal((async () => new EnvelopeClient({ keyring: mk, allowedSuites: bad as never }))())).toMatch(
        /^InvalidParameterValue: /,
      )
    }
    expect(
      await refusal((async () => new EnvelopeClient({ keyring: mk, suite: AES, allowedSuites: [SM4] }))()),
    ).toMatch(/^InvalidParameterValue: suite AES_256_GCM_HKDF_SHA256_COMMIT is not one of allowedSuites/)
    const client = new EnvelopeClient({ keyring: mk })
    expect(await refusal(client.decrypt(await client.encrypt(pt), { allowedSuites: [] }))).toMatch(
      /^InvalidParameterValue: /,
    )
  })
})
