/**
 * An attacker's envelope writer, written from docs/message-format.md with node:crypto only (not the envelope's own
 * serializer): parses an unsigned message's header and writes headers with chosen encrypted data keys. Given the
 * data key (a recipient turned attacker holds it) it computes a valid commitment and header tag; without one it
 * writes random bytes there — enough for everything that happens before authentication.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { EncryptedDataKey } from '@keyward/flows/envelope'

export interface HeaderParts {
  suiteId: number
  messageId: Buffer
  context: Buffer
  edks: EncryptedDataKey[]
  frameLength: number
  /** Offset of the first frame in the message it was parsed from. */
  end: number
  /** Offset of the signature's 2-byte length, when the header is signed. */
  signatureAt?: number
}

/** Parses a header (`writeHeader` writes unsigned ones only). */
export function parseHeader(m: Buffer): HeaderParts {
  let o = 0
  const take = (n: number): Buffer => m.subarray(o, (o += n))
  take(4) // magic, version
  const suiteId = take(2).readUInt16BE(0)
  const messageId = Buffer.from(take(32))
  const context = Buffer.from(take(take(2).readUInt16BE(0)))
  const edks: EncryptedDataKey[] = []
  for (let n = take(1)[0] as number; n > 0; n--) {
    const providerName = take(take(1)[0] as number).toString()
    const keyId = take(take(1)[0] as number).toString()
    edks.push({ providerName, keyId, blob: Buffer.from(take(take(2).readUInt16BE(0))) })
  }
  const frameLength = take(4).readUInt32BE(0)
  const signed = take(1)[0] !== 0
  if (signed) take(take(2).readUInt16BE(0)) // signer public key
  take(32 + 16) // commitment, tag
  if (!signed) return { suiteId, messageId, context, edks, frameLength, end: o }
  const signatureAt = o
  take(take(2).readUInt16BE(0))
  return { suiteId, messageId, context, edks, frameLength, end: o, signatureAt }
}

const len = (b: Buffer, width: 1 | 2): Buffer => {
  const l = Buffer.alloc(width)
  if (width === 1) l[0] = b.length
  else l.writeUInt16BE(b.length)
  return Buffer.concat([l, b])
}

/** Writes a header (AES-256-GCM suite when a data key is given); random commitment and tag without one. */
export function writeHeader(h: Omit<HeaderParts, 'end'>, dataKey?: Buffer): Buffer {
  const suite = Buffer.alloc(2)
  suite.writeUInt16BE(h.suiteId)
  const fl = Buffer.alloc(4)
  fl.writeUInt32BE(h.frameLength)
  const edks = h.edks.flatMap((e) => [
    len(Buffer.from(e.providerName), 1),
    len(Buffer.from(e.keyId), 1),
    len(Buffer.from(e.blob), 2),
  ])
  const body = Buffer.concat([
    Buffer.from('KWE\x01', 'latin1'),
    suite,
    h.messageId,
    len(h.context, 2),
    Buffer.from([h.edks.length]),
    ...edks,
    fl,
    Buffer.from([0]),
  ])
  if (!dataKey) return Buffer.concat([body, randomBytes(32 + 16)])
  const commitment = Buffer.from(
    hkdfSync('sha256', dataKey, Buffer.alloc(0), Buffer.concat([Buffer.from('KEYWARD-ENVELOPE-V1-COMMIT'), suite]), 32),
  )
  const cipherKey = Buffer.from(
    hkdfSync(
      'sha256',
      dataKey,
      Buffer.alloc(0),
      Buffer.concat([Buffer.from('KEYWARD-ENVELOPE-V1-KEY'), suite, h.messageId]),
      32,
    ),
  )
  const authenticated = Buffer.concat([body, commitment])
  const c = createCipheriv('aes-256-gcm', cipherKey, h.messageId.subarray(0, 12)) // nonce of sequence 0
  c.setAAD(authenticated)
  c.final()
  return Buffer.concat([authenticated, c.getAuthTag()])
}
