import { createDecipheriv, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EnvelopeClient, RawAesMasterKey } from '@keyward/flows/envelope'
import {
  GOLDEN_CONTEXT,
  GOLDEN_FRAME_LENGTH,
  GOLDEN_KEY,
  GOLDEN_KEY_ID,
  GOLDEN_NAMESPACE,
  GOLDEN_PLAINTEXT,
} from '../fixtures/envelope/golden-fixture.js'

const FIXTURES = join(import.meta.dirname, '../fixtures/envelope')
const golden = readFileSync(join(FIXTURES, 'golden-v1-aes-256-gcm.kwe'))

/**
 * A second, independent reader written from docs/message-format.md with node:crypto only (hkdfSync, not the
 * envelope's own HKDF), so the golden file pins the documented format, not just what the code happens to do.
 */
function independentDecrypt(m: Buffer, key: Buffer): { plaintext: Buffer; context: string } {
  let o = 0
  const take = (n: number): Buffer => m.subarray(o, (o += n))
  expect(take(3).toString('latin1')).toBe('KWE')
  expect(take(1)[0]).toBe(1)
  const suite = take(2)
  expect(suite.readUInt16BE(0)).toBe(1)
  const messageId = take(32)
  const context = take(take(2).readUInt16BE(0)).toString('utf8')
  expect(take(1)[0]).toBe(1)
  const ns = take(take(1)[0]!).toString()
  const keyId = take(take(1)[0]!).toString()
  const blob = take(take(2).readUInt16BE(0))
  const frameLength = take(4).readUInt32BE(0)
  expect(take(1)[0]).toBe(0) // unsigned
  const commitment = take(32)
  const authenticated = m.subarray(0, o)
  const headerTag = take(16)
  // Raw AES keyring: AES-256-GCM, AAD = label ‖ len ‖ namespace ‖ len ‖ keyId ‖ context.
  const unwrap = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12))
  unwrap.setAAD(
    Buffer.concat([
      Buffer.from('KEYWARD-RAW-AES-V1'),
      Buffer.from([ns.length]),
      Buffer.from(ns),
      Buffer.from([keyId.length]),
      Buffer.from(keyId),
      Buffer.from(context),
    ]),
  )
  unwrap.setAuthTag(blob.subarray(blob.length - 16))
  const dataKey = Buffer.concat([unwrap.update(blob.subarray(12, blob.length - 16)), unwrap.final()])
  const commit = Buffer.from(
    hkdfSync('sha256', dataKey, Buffer.alloc(0), Buffer.concat([Buffer.from('KEYWARD-ENVELOPE-V1-COMMIT'), suite]), 32),
  )
  expect(commit.equals(commitment)).toBe(true)
  const cipherKey = Buffer.from(
    hkdfSync(
      'sha256',
      dataKey,
      Buffer.alloc(0),
      Buffer.concat([Buffer.from('KEYWARD-ENVELOPE-V1-KEY'), suite, messageId]),
      32,
    ),
  )
  const nonce = (seq: number): Buffer => {
    const n = Buffer.from(messageId.subarray(0, 12))
    n.writeUInt32BE((n.readUInt32BE(8) ^ seq) >>> 0, 8)
    return n
  }
  const h = createDecipheriv('aes-256-gcm', cipherKey, nonce(0))
  h.setAAD(authenticated)
  h.setAuthTag(headerTag)
  h.final()
  const out: Buffer[] = []
  for (let seq = 1; ; seq++) {
    expect(take(4).readUInt32BE(0)).toBe(seq)
    const flag = take(1)[0]!
    const len = flag === 1 ? take(4).readUInt32BE(0) : frameLength
    const aad = Buffer.alloc(9)
    aad.writeUInt32BE(seq, 0)
    aad[4] = flag
    aad.writeUInt32BE(len, 5)
    const d = createDecipheriv('aes-256-gcm', cipherKey, nonce(seq))
    d.setAAD(aad)
    const ct = take(len)
    d.setAuthTag(take(16))
    out.push(d.update(ct), d.final())
    if (flag === 1) break
  }
  expect(o).toBe(m.length)
  return { plaintext: Buffer.concat(out), context }
}

describe('golden envelope message (format stability)', () => {
  it('decrypts the committed v1 AES-256-GCM message with the labelled fixture key', async () => {
    const client = new EnvelopeClient({
      keyring: new RawAesMasterKey({ namespace: GOLDEN_NAMESPACE, keyId: GOLDEN_KEY_ID, key: GOLDEN_KEY }),
    })
    const r = await client.decrypt(golden, { encryptionContext: GOLDEN_CONTEXT })
    expect(r.plaintext.equals(GOLDEN_PLAINTEXT)).toBe(true)
    expect(r.info.suite).toBe('AES_256_GCM_HKDF_SHA256_COMMIT')
    expect(r.info.frameLength).toBe(GOLDEN_FRAME_LENGTH)
  })

  it('decrypts the committed v1 SM4-GCM (国密) message with the same fixture key', async () => {
    const client = new EnvelopeClient({
      keyring: new RawAesMasterKey({ namespace: GOLDEN_NAMESPACE, keyId: GOLDEN_KEY_ID, key: GOLDEN_KEY }),
    })
    const r = await client.decrypt(readFileSync(join(FIXTURES, 'golden-v1-sm4-gcm.kwe')), {
      encryptionContext: GOLDEN_CONTEXT,
    })
    expect(r.plaintext.equals(GOLDEN_PLAINTEXT)).toBe(true)
    expect(r.info.suite).toBe('SM4_GCM_HKDF_SM3_COMMIT')
  })

  it('an independent reader written from docs/message-format.md decrypts it too', () => {
    const r = independentDecrypt(golden, GOLDEN_KEY)
    expect(r.plaintext.equals(GOLDEN_PLAINTEXT)).toBe(true)
    expect(r.context).toBe(
      JSON.stringify([
        ['department', 'retail'],
        ['purpose', 'golden-file'],
      ]),
    )
  })

  it('the independent reader also decrypts fresh messages (writer and spec agree)', async () => {
    const client = new EnvelopeClient({
      keyring: new RawAesMasterKey({ namespace: GOLDEN_NAMESPACE, keyId: GOLDEN_KEY_ID, key: GOLDEN_KEY }),
      frameLength: 100,
    })
    for (const size of [0, 1, 100, 250]) {
      const pt = Buffer.alloc(size, 0x61)
      const m = await client.encrypt(pt, { encryptionContext: { a: 'b' } })
      expect(independentDecrypt(m, GOLDEN_KEY).plaintext.equals(pt)).toBe(true)
    }
  })
})
