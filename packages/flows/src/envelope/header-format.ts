import { KeywardError, canonicalEncryptionContext, type EncryptionContext } from '@keyward/core'
import type { ChunkReader } from './chunk-reader.js'
import { MAX_EDKS_IN_FORMAT, type EncryptedDataKey } from './encrypted-data-key.js'
import { COMMITMENT_LENGTH, TAG_LENGTH, suiteById, type Suite, type SuiteName } from './suites.js'

/**
 * The message header, byte for byte as docs/message-format.md specifies. All integers are big-endian.
 */

/** "KWE" then the format version. */
export const MESSAGE_MAGIC = Buffer.from([0x4b, 0x57, 0x45])
/** The format version this code writes and reads. */
export const MESSAGE_VERSION = 0x01
/** Bytes of the random message id. */
export const MESSAGE_ID_LENGTH = 32
/** Frames hold 1 byte to 16 MiB of plaintext; the cap bounds what a reader must buffer. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024
/** Header signature algorithms: 0 none, 1 ECDSA P-256 + SHA-256 (DER), 2 SM2 + SM3 with the default user id (DER). */
export const HEADER_SIGNATURE_IDS = { none: 0, ECC_P256_R1: 1, SM2DSA: 2 } as const
/** A header signature algorithm (Tencent KMS names). */
export type HeaderSignatureAlgorithm = Exclude<keyof typeof HEADER_SIGNATURE_IDS, 'none'>

/** The fields of a header. */
export interface HeaderFields {
  readonly suite: Suite
  readonly messageId: Buffer
  readonly encryptionContext: EncryptionContext
  /** canonicalEncryptionContext(encryptionContext), when the caller already has it. */
  readonly contextBytes?: Buffer
  readonly encryptedDataKeys: readonly EncryptedDataKey[]
  readonly frameLength: number
  readonly signatureAlgorithm: HeaderSignatureAlgorithm | null
  /** The signer's public key (SPKI DER for P-256; 04‖x‖y for SM2) when signed. */
  readonly signerPublicKey: Buffer | null
  readonly commitment: Buffer
}

/** A parsed header with the exact bytes its tag and signature cover. */
export interface ParsedHeader extends HeaderFields {
  /** Magic through commitment: the AAD of the header tag. */
  readonly authenticated: Buffer
  readonly headerTag: Buffer
  /** The signature over authenticated ‖ headerTag, or null. */
  readonly signature: Buffer | null
  /** The canonical context bytes as stored. */
  readonly contextBytes: Buffer
  /** The stored bytes from the context length through the last EDK: identifies the data key (cache key). */
  readonly keyReference: Buffer
}

function invalid(why: string): KeywardError {
  return new KeywardError('FailedOperation.InvalidMessage', `Invalid message header: ${why}.`)
}

function lenPrefixed(bytes: Uint8Array, width: 1 | 2): Buffer {
  const b = Buffer.allocUnsafe(width + bytes.length)
  if (width === 1) b[0] = bytes.length
  else b.writeUInt16BE(bytes.length, 0)
  b.set(bytes, width)
  return b
}

/**
 * The header bytes between message id and commitment (context, EDKs, frame length, signature algorithm and
 * key): the same for every message under one cached data key, so writers may reuse it.
 */
export function serializeMiddle(h: Omit<HeaderFields, 'messageId' | 'commitment'>): Buffer {
  const parts: Buffer[] = [
    lenPrefixed(h.contextBytes ?? canonicalEncryptionContext(h.encryptionContext), 2),
    Buffer.from([h.encryptedDataKeys.length]),
  ]
  for (const edk of h.encryptedDataKeys) {
    parts.push(
      lenPrefixed(Buffer.from(edk.providerName, 'utf8'), 1),
      lenPrefixed(Buffer.from(edk.keyId, 'utf8'), 1),
      lenPrefixed(edk.blob, 2),
    )
  }
  const tail = Buffer.allocUnsafe(5)
  tail.writeUInt32BE(h.frameLength, 0)
  tail[4] = h.signatureAlgorithm ? HEADER_SIGNATURE_IDS[h.signatureAlgorithm] : 0
  parts.push(tail)
  if (h.signatureAlgorithm) parts.push(lenPrefixed(h.signerPublicKey ?? Buffer.alloc(0), 2))
  return Buffer.concat(parts)
}

/** The bytes the header tag authenticates (magic through commitment). Lengths are checked by the caller. */
export function serializeAuthenticated(h: HeaderFields, middle: Buffer = serializeMiddle(h)): Buffer {
  const out = Buffer.allocUnsafe(6 + MESSAGE_ID_LENGTH + middle.length + h.commitment.length)
  MESSAGE_MAGIC.copy(out, 0)
  out[3] = MESSAGE_VERSION
  out.writeUInt16BE(h.suite.id, 4)
  h.messageId.copy(out, 6)
  middle.copy(out, 6 + MESSAGE_ID_LENGTH)
  h.commitment.copy(out, 6 + MESSAGE_ID_LENGTH + middle.length)
  return out
}

/**
 * Decodes the context bytes and insists they are canonical (sorted, no duplicates), so one context has one encoding.
 */
function parseContext(bytes: Buffer): EncryptionContext {
  if (bytes.length === 0) return {}
  let pairs: unknown
  try {
    pairs = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw invalid('encryption context is not valid')
  }
  if (!Array.isArray(pairs) || pairs.length === 0) throw invalid('encryption context is not valid')
  const ctx: Record<string, string> = Object.create(null) as Record<string, string>
  for (const p of pairs) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string')
      throw invalid('encryption context is not valid')
    if (Object.prototype.hasOwnProperty.call(ctx, p[0])) throw invalid('encryption context repeats a key')
    ctx[p[0]] = p[1]
  }
  if (!canonicalEncryptionContext(ctx).equals(bytes)) throw invalid('encryption context is not canonical')
  return { ...ctx }
}

/**
 * Reads and checks the structure of a header; authenticity is checked later, with the data key. A suite outside
 * `allowedSuites` (or refused by `checkSuite`, a compliance profile) is refused as soon as its id is read, before
 * anything else is buffered or any key is called.
 */
export async function readHeader(
  r: ChunkReader,
  maxEncryptedDataKeys = MAX_EDKS_IN_FORMAT,
  allowedSuites?: ReadonlySet<SuiteName>,
  checkSuite?: (suite: SuiteName) => void,
): Promise<ParsedHeader> {
  const start: Buffer[] = []
  const take = (n: number): Buffer | Promise<Buffer> => {
    const b = r.exact(n)
    if (b instanceof Promise) {
      return b.then((x) => {
        start.push(x)
        return x
      })
    }
    start.push(b)
    return b
  }
  const fixed = await take(6 + MESSAGE_ID_LENGTH)
  if (!fixed.subarray(0, 3).equals(MESSAGE_MAGIC)) throw invalid('not a Keyward envelope message (bad magic)')
  if (fixed[3] !== MESSAGE_VERSION) throw invalid(`unsupported version ${fixed[3]}`)
  const suite = suiteById(fixed.readUInt16BE(4))
  // A compliance profile's refusal (its own code, naming the profile) comes before the reader's own list.
  checkSuite?.(suite.name)
  if (allowedSuites && !allowedSuites.has(suite.name)) {
    throw new KeywardError(
      'FailedOperation.InvalidMessage',
      `The message uses suite ${suite.name}, which this reader's allowedSuites (${[...allowedSuites].join(', ')}) refuses.`,
    )
  }
  const messageId = Buffer.from(fixed.subarray(6))
  const ctxLen = (await take(2)).readUInt16BE(0)
  const keyRefStart = start.length - 1
  const contextBytes = Buffer.from(await take(ctxLen))
  const encryptionContext = parseContext(contextBytes)
  const count = (await take(1))[0] ?? 0
  if (count < 1) throw invalid('no encrypted data key')
  // Checked before the EDKs are read, so a hostile header cannot make the reader buffer 255 × 64 KiB.
  if (count > maxEncryptedDataKeys)
    throw invalid(`${count} encrypted data keys, more than maxEncryptedDataKeys (${maxEncryptedDataKeys})`)
  const edks: EncryptedDataKey[] = []
  const text = async (): Promise<string> => {
    const n = (await take(1))[0] ?? 0
    if (n === 0) throw invalid('empty provider name or key id')
    const s = (await take(n)).toString('utf8')
    if (Buffer.byteLength(s, 'utf8') !== n) throw invalid('provider name or key id is not UTF-8')
    return s
  }
  for (let i = 0; i < count; i++) {
    const providerName = await text()
    const keyId = await text()
    const blobLen = (await take(2)).readUInt16BE(0)
    if (blobLen === 0) throw invalid('empty encrypted data key')
    edks.push({ providerName, keyId, blob: Buffer.from(await take(blobLen)) })
  }
  const keyReference = Buffer.concat(start.slice(keyRefStart))
  const tail = await take(5)
  const frameLength = tail.readUInt32BE(0)
  if (frameLength < 1 || frameLength > MAX_FRAME_LENGTH) throw invalid('frame length out of range')
  const sigId = tail[4]
  const signatureAlgorithm = sigId === 0 ? null : sigId === 1 ? 'ECC_P256_R1' : sigId === 2 ? 'SM2DSA' : undefined
  if (signatureAlgorithm === undefined) throw invalid('unknown signature algorithm')
  let signerPublicKey: Buffer | null = null
  if (signatureAlgorithm) {
    const pkLen = (await take(2)).readUInt16BE(0)
    if (pkLen === 0) throw invalid('empty signer public key')
    signerPublicKey = Buffer.from(await take(pkLen))
  }
  const commitment = Buffer.from(await take(COMMITMENT_LENGTH))
  const authenticated = Buffer.concat(start)
  const headerTag = Buffer.from(await r.exact(TAG_LENGTH))
  let signature: Buffer | null = null
  if (signatureAlgorithm) {
    const sigLen = (await r.exact(2)).readUInt16BE(0)
    if (sigLen === 0) throw invalid('empty signature')
    signature = Buffer.from(await r.exact(sigLen))
  }
  return {
    suite,
    messageId,
    encryptionContext,
    encryptedDataKeys: edks,
    frameLength,
    signatureAlgorithm,
    signerPublicKey,
    commitment,
    authenticated,
    headerTag,
    signature,
    contextBytes,
    keyReference,
  }
}
