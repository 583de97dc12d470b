import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { EnvelopeClient, RawAesMasterKey } from '@keyward/flows/envelope'
import { chunks } from './helpers.js'

const FRAME = 256
const TAG = 16

describe('streaming release and secret hygiene', () => {
  it('releases exactly the frames before a tampered one, never any of its plaintext', async () => {
    const client = new EnvelopeClient({
      keyring: new RawAesMasterKey({ namespace: 'n', keyId: 'k', key: randomBytes(32) }),
      frameLength: FRAME,
    })
    const pt = randomBytes(6 * FRAME + 10)
    const msg = await client.encrypt(pt)
    const headerLength = msg.length - 6 * (5 + FRAME + TAG) - (9 + 10 + TAG)
    for (const bad of [0, 2, 5]) {
      const t = Buffer.from(msg)
      const pos = headerLength + bad * (5 + FRAME + TAG) + 5 + 100 // inside frame bad+1's ciphertext
      t[pos] = (t[pos] as number) ^ 0x80
      const released: Buffer[] = []
      let error: unknown
      try {
        for await (const p of client.decryptStream(chunks(t, 77))) released.push(p)
      } catch (e) {
        error = e
      }
      expect(isKeywardError(error, 'InvalidParameterValue.InvalidCiphertext')).toBe(true)
      expect(Buffer.concat(released).equals(pt.subarray(0, bad * FRAME))).toBe(true)
    }
  })

  it('never prints key material: clients, master keys and the cache redact or hide it', async () => {
    const key = Buffer.alloc(32, 0xab)
    const mk = new RawAesMasterKey({ namespace: 'n', keyId: 'k', key })
    const client = new EnvelopeClient({ keyring: mk, cache: true })
    await client.encrypt(Buffer.from('x'))
    const printed = [
      inspect(client, { depth: 10, showHidden: true }),
      inspect(mk, { depth: 10 }),
      JSON.stringify(mk),
      JSON.stringify(client.cache),
      inspect(client.cache, { depth: 10, showHidden: true }),
    ]
    for (const p of printed) {
      expect(p).not.toContain('abab')
      expect(p).not.toContain('171, 171')
      expect(p).not.toContain('q6ur') // base64 of 0xab bytes
    }
  })
})
