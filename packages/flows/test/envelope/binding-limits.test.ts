/**
 * Issue 16 item 8: what binds a ciphertext and what does not, as docs/message-format.md §7–8 documents it. The
 * JSON record-binding example is run as printed in the document; the other limits are shown happening (they are
 * documented behaviour, not refusals), so the document cannot drift from the code.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, MemoryKeyStore } from '@keyward/core'
import { EnvelopeClient, ProviderMasterKey, ecdsaP256HeaderSigner, sm2HeaderSigner } from '@keyward/flows/envelope'
import { sm2GenerateKeyPair } from '@keyward/gm'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { rawClient } from './helpers.js'
import { parseHeader } from './hostile-headers.js'
import { codeOf } from '@keyward/test-support'

const DOC = readFileSync(join(import.meta.dirname, '../../../../docs/message-format.md'), 'utf8')
const P256_N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')
const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123')

/** The ```ts block after `<!-- example: name ... -->` in the document. */
function docExample(name: string): string {
  const m = new RegExp(`<!-- example: ${name}\\b[^>]*-->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(DOC)
  if (!m) throw new Error(`docs/message-format.md has no example ${name}`)
  return m[1] as string
}

/** (r, s) → (r, n − s) in a DER ECDSA/SM2 signature. */
function twin(der: Buffer, n: bigint): Buffer {
  const int = (b: Buffer): bigint => BigInt(`0x${b.toString('hex') || '0'}`)
  const enc = (x: bigint): Buffer => {
    let h = x.toString(16)
    if (h.length % 2) h = `0${h}`
    const b = Buffer.from(h, 'hex')
    return (b[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b
  }
  const rLen = der[3] as number
  const r = der.subarray(4, 4 + rLen)
  const s = der.subarray(6 + rLen, 6 + rLen + (der[5 + rLen] as number))
  const s2 = enc(n - int(s))
  const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, s2.length]), s2])
  return Buffer.concat([Buffer.from([0x30, body.length]), body])
}

/** The message with its header signature replaced by its (r, n − s) twin. */
function withTwinSignature(m: Buffer, n: bigint): Buffer {
  const h = parseHeader(m)
  const at = h.signatureAt as number
  const sig = twin(m.subarray(at + 2, h.end), n)
  const len = Buffer.alloc(2)
  len.writeUInt16BE(sig.length)
  return Buffer.concat([m.subarray(0, at), len, sig, m.subarray(h.end)])
}

let software: SoftwareKeyProvider
beforeAll(() => {
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
})
afterAll(() => software.close())

describe('what binds and what does not (docs/message-format.md §7–8)', () => {
  it('JSON fields: the documented record-id example runs as printed and refuses the swapped row', async () => {
    const code = docExample('json-record-binding')
    const client = rawClient()
    let decrypts = 0
    const counting = {
      encryptJsonFields: client.encryptJsonFields.bind(client),
      decryptJsonFields: (...a: Parameters<EnvelopeClient['decryptJsonFields']>) => (
        decrypts++,
        client.decryptJsonFields(...a)
      ),
    }
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (c: typeof counting) => Promise<void>
    expect(await codeOf(new AsyncFunction('client', code)(counting))).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(decrypts).toBe(2) // Bob's own row decrypted; the swapped one was refused
    // Without the record id the same swap decrypts — Alice's data under Bob's id: the limit the example works around.
    const alice = await client.encryptJsonFields({ id: 1, name: 'Alice' }, ['name'], {
      encryptionContext: { table: 'customers' },
    })
    const swapped = { ...alice, id: 2 }
    expect(
      (await client.decryptJsonFields(swapped, ['name'], { encryptionContext: { table: 'customers' } })).object,
    ).toEqual({ id: 2, name: 'Alice' })
  })

  it('ReEncrypt without a destination context drops the binding; with one it keeps it', async () => {
    const keyId = (await software.createKey({ alias: 'reencrypt' })).keyId
    const ctx = { record: '42' }
    const { ciphertextBlob } = await software.encrypt({
      keyId,
      plaintext: Buffer.from('card 6222'),
      encryptionContext: ctx,
    })
    const dropped = await software.reEncrypt({ ciphertextBlob, sourceEncryptionContext: ctx })
    expect(Buffer.from((await software.decrypt({ ciphertextBlob: dropped.ciphertextBlob })).plaintext).toString()).toBe(
      'card 6222',
    )
    const kept = await software.reEncrypt({
      ciphertextBlob,
      sourceEncryptionContext: ctx,
      destinationEncryptionContext: ctx,
    })
    expect(await codeOf(software.decrypt({ ciphertextBlob: kept.ciphertextBlob }))).toBe(
      'InvalidParameterValue.InvalidCiphertext',
    )
  })

  it('a warm decrypt cache keeps decrypting after DisableKey until the entry expires (or clear())', async () => {
    const keyId = (await software.createKey({ alias: 'warm-cache' })).keyId
    const clock = new ManualClock(0)
    const reader = new EnvelopeClient({
      keyring: new ProviderMasterKey({ provider: software, keyId }),
      cache: { maxAgeMs: 60_000, clock },
    })
    const m = await new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: software, keyId }) }).encrypt(
      Buffer.from('x'),
    )
    await reader.decrypt(m) // warms the cache
    await software.disableKey(keyId)
    expect((await reader.decrypt(m)).plaintext.toString()).toBe('x')
    clock.advance(60_000)
    // Expired: the next decrypt asks the KMS, which refuses the disabled key (the fixed decryption error).
    const err = await reader.decrypt(m).catch((e: unknown) => e as Error & { code: string; cause: AggregateError })
    expect(err.code).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(err.cause.errors.map((e: { code?: string }) => e.code)).toEqual(['ResourceUnavailable.CmkDisabled'])
    const cold = new EnvelopeClient({ keyring: new ProviderMasterKey({ provider: software, keyId }) })
    expect(await codeOf(cold.decrypt(m))).toBe('InvalidParameterValue.InvalidCiphertext')
  })

  it('ECDSA header signatures are malleable: (r, n − s) gives a second valid message; SM2 refuses its twin', async () => {
    const keyId = (await software.createKey({ alias: 'malleable' })).keyId
    const keyring = new ProviderMasterKey({ provider: software, keyId })
    const p256 = new EnvelopeClient({
      keyring,
      signer: ecdsaP256HeaderSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    })
    const m = await p256.encrypt(Buffer.from('pay 100'))
    const other = withTwinSignature(m, P256_N)
    expect(other.equals(m)).toBe(false)
    const [a, b] = [await p256.decrypt(m), await p256.decrypt(other)]
    expect(b.plaintext.toString()).toBe('pay 100')
    expect(b.info.signer).not.toBeNull()
    expect(b.info.messageId.equals(a.info.messageId)).toBe(true) // identify messages by their id, not their bytes
    const sm2 = new EnvelopeClient({ keyring, signer: sm2HeaderSigner(sm2GenerateKeyPair().privateKey) })
    const s = await sm2.encrypt(Buffer.from('pay 100'))
    expect(await codeOf(sm2.decrypt(withTwinSignature(s, SM2_N)))).toBe('InvalidParameterValue.InvalidCiphertext')
  })
})
