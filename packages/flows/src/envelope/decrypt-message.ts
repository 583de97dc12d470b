import { KeywardError, canonicalEncryptionContext, decryptionFailed, type EncryptionContext } from '@keyward/core'
import type { ChunkReader } from './chunk-reader.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import { checkNotAborted } from './abort.js'
import type { ProgressCallback } from './encrypt-message.js'
import { openFrame } from './frame-format.js'
import { checkHeader } from './header-auth.js'
import { readHeader, type ParsedHeader } from './header-format.js'
import { disposeDerived, type DerivedKeys } from './key-derivation.js'
import { checkSigner, type SignerPolicy, type TrustedSigner } from './signer-policy.js'
import type { SuiteName } from './suites.js'

/** What a reader learns from an authenticated header, before any plaintext. */
export interface MessageInfo {
  readonly suite: SuiteName
  readonly messageId: Buffer
  /** The encryption context the message was made with (check it, or pass the expected one to decrypt). */
  readonly encryptionContext: EncryptionContext
  readonly encryptedDataKeys: readonly EncryptedDataKey[]
  readonly frameLength: number
  /**
   * The header signer, only when the signature verified **and** its key is one of the reader's trusted signers;
   * `null` for an unsigned message, and for a signed one read without a trust list (the key a message carries
   * proves nothing by itself).
   */
  readonly signer: TrustedSigner | null
  /** The master key that opened the data key: which of `encryptedDataKeys` this reader used. */
  readonly decryptedWith: { readonly providerName: string; readonly keyId: string }
}

/** A message's keys, and the encrypted data key they were opened from. */
export interface OpenedKeys {
  readonly keys: DerivedKeys
  readonly encryptedDataKey: EncryptedDataKey
}

/** How the reader checks and opens a header. */
export interface OpenPlan {
  /** When given, the message's context must be exactly this. */
  readonly expectedContext: EncryptionContext | undefined
  /** Which header signatures are required and trusted. */
  readonly signers: SignerPolicy
  /** Decrypts (or finds in the cache) and derives; synchronously zeroes the data key after deriving. */
  readonly derive: (h: ParsedHeader) => Promise<OpenedKeys>
  readonly onHeader: ((info: MessageInfo) => void) | undefined
  readonly onProgress: ProgressCallback | undefined
  readonly signal: AbortSignal | undefined
  /** The keyring's limit, enforced while the header is read. */
  readonly maxEncryptedDataKeys: number
  /** The suites this reader accepts; any other is refused before any key is called. */
  readonly allowedSuites: ReadonlySet<SuiteName>
  /** A compliance profile's refusal of a suite, as soon as its id is read. */
  readonly checkSuite?: ((suite: SuiteName) => void) | undefined
  /** A compliance profile's checks of the parsed header, before the signature is verified or any key called. */
  readonly beforeKeys?: ((h: ParsedHeader) => Promise<void>) | undefined
}

/** An authenticated header and the keys of its message. The caller must disposeDerived(keys). */
export interface OpenedHeader {
  readonly header: ParsedHeader
  readonly keys: DerivedKeys
  readonly info: MessageInfo
}

/**
 * Reads a header and checks, in order: structure, expected context, signature, data key (via the keyring or
 * cache), key commitment and header tag. Nothing after the header is read.
 */
export async function openHeader(reader: ChunkReader, plan: OpenPlan): Promise<OpenedHeader> {
  const h = await readHeader(reader, plan.maxEncryptedDataKeys, plan.allowedSuites, plan.checkSuite)
  await plan.beforeKeys?.(h)
  if (plan.expectedContext !== undefined && !canonicalEncryptionContext(plan.expectedContext).equals(h.contextBytes)) {
    throw decryptionFailed(new Error('encryption context mismatch'))
  }
  const signer = checkSigner(h, plan.signers)
  const { keys, encryptedDataKey } = await plan.derive(h)
  try {
    checkHeader(h.suite, keys, h.commitment, h.authenticated, h.headerTag)
  } catch (e) {
    disposeDerived(keys)
    throw e
  }
  const info: MessageInfo = {
    suite: h.suite.name,
    messageId: h.messageId,
    encryptionContext: h.encryptionContext,
    encryptedDataKeys: h.encryptedDataKeys,
    frameLength: h.frameLength,
    signer,
    decryptedWith: { providerName: encryptedDataKey.providerName, keyId: encryptedDataKey.keyId },
  }
  plan.onHeader?.(info)
  return { header: h, keys, info }
}

/**
 * Decrypts a message from `reader`: the header first (see {@link openHeader}); then each frame, releasing its
 * plaintext only once its tag verified; the final frame must be last and present, so truncation and appended
 * bytes are detected.
 */
export async function* openStream(reader: ChunkReader, plan: OpenPlan): AsyncGenerator<Buffer> {
  let keys: DerivedKeys | undefined
  try {
    const opened = await openHeader(reader, plan)
    keys = opened.keys
    const h = opened.header
    let done = 0
    for (let seq = 1; ; seq++) {
      checkNotAborted(plan.signal)
      const f = await openFrame(reader, h.suite, keys, seq, h.frameLength)
      if (f.final && !(await reader.atEnd())) {
        for (const p of f.plaintext) p.fill(0)
        throw new KeywardError('FailedOperation.InvalidMessage', 'Unexpected bytes after the final frame.')
      }
      for (const p of f.plaintext) yield p
      done += f.length
      plan.onProgress?.(done)
      if (f.final) return
    }
  } finally {
    if (keys) disposeDerived(keys)
    await reader.close()
  }
}
