/**
 * Issue 16 item 2: header signatures can be required, a client that signs requires them by default, and a signer
 * is never reported unless its key was found in a trust list.
 */
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { EnvelopeClient, ecdsaP256HeaderSigner, sm2HeaderSigner, type HeaderSigner } from '@keyward/flows/envelope'
import { sm2GenerateKeyPair } from '@keyward/gm'
import { CountingMasterKey } from './helpers.js'
import { codeOf } from '@keyward/test-support'

const pt = Buffer.from('wire 1 000 000 CNY to 6222…')
const p256 = (): HeaderSigner => ecdsaP256HeaderSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
const sm2 = (): HeaderSigner => sm2HeaderSigner(sm2GenerateKeyPair().privateKey)

const REFUSED = 'InvalidParameterValue.InvalidCiphertext'

for (const [name, makeSigner] of [
  ['ECDSA P-256', p256],
  ['SM2DSA', sm2],
] as const) {
  describe(`header signature policy (${name})`, () => {
    it('a client that signs refuses an unsigned message and one signed by an attacker, before calling any master key', async () => {
      const mk = new CountingMasterKey() // the attacker can use the CMK too (or captured a real header)
      const signer = makeSigner()
      const bank = new EnvelopeClient({ keyring: mk, signer })
      const unsigned = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
      const forged = await new EnvelopeClient({ keyring: mk, signer: makeSigner() }).encrypt(pt)
      const calls = mk.decrypted
      expect(await codeOf(bank.decrypt(unsigned))).toBe(REFUSED)
      expect(await codeOf(bank.decrypt(forged))).toBe(REFUSED)
      expect(
        await codeOf(
          bank.decryptJsonFields(await new EnvelopeClient({ keyring: mk }).encryptJsonFields({ a: 1 }, ['a']), ['a']),
        ),
      ).toBe(REFUSED)
      expect(mk.decrypted).toBe(calls)
      // Its own messages decrypt, and name it as their (trusted) signer.
      const own = await bank.decrypt(await bank.encrypt(pt))
      expect(own.plaintext.equals(pt)).toBe(true)
      expect(own.info.signer?.publicKey.equals(Buffer.from(signer.publicKey))).toBe(true)
    })

    it('trustedSigners on the client lists the partners whose messages it reads; info.signer is the listed key', async () => {
      const mk = new CountingMasterKey()
      const partner = makeSigner()
      const stranger = makeSigner()
      const reader = new EnvelopeClient({ keyring: mk, trustedSigners: [partner.publicKey] })
      const fromPartner = await new EnvelopeClient({ keyring: mk, signer: partner }).encrypt(pt)
      const r = await reader.decrypt(fromPartner)
      expect(r.info.signer?.algorithm).toBe(partner.algorithm)
      expect(r.info.signer?.publicKey.equals(Buffer.from(partner.publicKey))).toBe(true)
      expect(
        await codeOf(reader.decrypt(await new EnvelopeClient({ keyring: mk, signer: stranger }).encrypt(pt))),
      ).toBe(REFUSED)
      expect(await codeOf(reader.decrypt(await new EnvelopeClient({ keyring: mk }).encrypt(pt)))).toBe(REFUSED)
    })

    it('without a trust list a signed message decrypts but its signer is not reported (a key the message carries proves nothing)', async () => {
      const mk = new CountingMasterKey()
      const attacker = await new EnvelopeClient({ keyring: mk, signer: makeSigner() }).encrypt(pt)
      const r = await new EnvelopeClient({ keyring: mk }).decrypt(attacker)
      expect(r.plaintext.equals(pt)).toBe(true)
      expect(r.info.signer).toBeNull()
    })

    it('requireSignature: false is the explicit opt-out: unsigned messages decrypt, other signers are still refused', async () => {
      const mk = new CountingMasterKey()
      const signer = makeSigner()
      const lenient = new EnvelopeClient({ keyring: mk, signer, requireSignature: false })
      const unsigned = await new EnvelopeClient({ keyring: mk }).encrypt(pt)
      expect((await lenient.decrypt(unsigned)).info.signer).toBeNull()
      expect(
        await codeOf(lenient.decrypt(await new EnvelopeClient({ keyring: mk, signer: makeSigner() }).encrypt(pt))),
      ).toBe(REFUSED)
      expect(
        (await lenient.decrypt(await lenient.encrypt(pt))).info.signer?.publicKey.equals(Buffer.from(signer.publicKey)),
      ).toBe(true)
      // Per call, either way.
      const strict = new EnvelopeClient({ keyring: mk, signer })
      expect((await strict.decrypt(unsigned, { requireSignature: false })).plaintext.equals(pt)).toBe(true)
      expect(await codeOf(lenient.decrypt(unsigned, { requireSignature: true }))).toBe(REFUSED)
    })

    it('a call’s trustedSigners replaces the client’s list and requires a signature', async () => {
      const mk = new CountingMasterKey()
      const a = makeSigner()
      const b = makeSigner()
      const client = new EnvelopeClient({ keyring: mk, signer: a })
      const fromB = await new EnvelopeClient({ keyring: mk, signer: b }).encrypt(pt)
      expect(
        (await client.decrypt(fromB, { trustedSigners: [b.publicKey] })).info.signer?.publicKey.equals(
          Buffer.from(b.publicKey),
        ),
      ).toBe(true)
      expect(await codeOf(client.decrypt(await client.encrypt(pt), { trustedSigners: [b.publicKey] }))).toBe(REFUSED)
      expect(
        await codeOf(
          new EnvelopeClient({ keyring: mk }).decrypt(await new EnvelopeClient({ keyring: mk }).encrypt(pt), {
            trustedSigners: [b.publicKey],
          }),
        ),
      ).toBe(REFUSED)
    })
  })
}

describe('signature policy input checks', () => {
  it('Precondition: requireSignature needs a trust list; trustedSigners are non-empty byte arrays', async () => {
    const mk = new CountingMasterKey()
    const make = (o: object): Promise<unknown> => (async () => new EnvelopeClient({ keyring: mk, ...o }))()
    expect(await codeOf(make({ requireSignature: true }))).toBe('InvalidParameterValue')
    expect(await codeOf(make({ trustedSigners: [] as Uint8Array[], requireSignature: true }))).toBe(
      'InvalidParameterValue',
    )
    expect(await codeOf(make({ trustedSigners: ['04ab'] }))).toBe('InvalidParameterValue')
    expect(await codeOf(make({ trustedSigners: [new Uint8Array(0)] }))).toBe('InvalidParameterValue')
    expect(await codeOf(make({ requireSignature: 'yes' }))).toBe('InvalidParameterValue')
    const client = new EnvelopeClient({ keyring: mk })
    const m = await client.encrypt(pt)
    expect(await codeOf(client.decrypt(m, { requireSignature: true }))).toBe('InvalidParameterValue')
    expect(await codeOf(client.decrypt(m, { trustedSigners: 'key' as never }))).toBe('InvalidParameterValue')
  })
})
