import { decryptionFailed, needs } from '@keyward/core'
import type { HeaderSignatureAlgorithm, ParsedHeader } from './header-format.js'
import { verifyHeaderSignature, type HeaderSigner } from './header-signer.js'

/**
 * Which header signatures a reader requires. A signature proves origin only against a list of keys the reader
 * trusts — the public key a message carries proves nothing by itself — so a signer is reported only when it was
 * found in that list, and a client that signs requires, by default, its own signature on what it reads.
 */
export interface SignerPolicy {
  /** Public keys (as written in headers: SPKI DER for P-256, 04‖x‖y for SM2) whose signatures are accepted. */
  readonly trusted: readonly Buffer[]
  /** Unsigned messages are refused. */
  readonly required: boolean
}

/** The signature knobs, as EnvelopeClient and each decrypt call take them. */
export interface SignatureOptions {
  trustedSigners?: readonly Uint8Array[] | undefined
  requireSignature?: boolean | undefined
}

function checkKeys(keys: unknown): Buffer[] {
  needs(
    Array.isArray(keys) && keys.every((k) => k instanceof Uint8Array && k.length > 0),
    'InvalidParameterValue',
    'trustedSigners must be an array of public keys (non-empty byte arrays).',
  )
  return (keys as Uint8Array[]).map((k) => Buffer.from(k))
}

function checkRequire(p: SignerPolicy): SignerPolicy {
  needs(
    !p.required || p.trusted.length > 0,
    'InvalidParameterValue',
    'requireSignature needs trustedSigners (or a signer, whose key is trusted by default).',
  )
  return p
}

/**
 * The client's default: its `trustedSigners`, else its own signer's key; a signature is required whenever a
 * trust list is in effect, unless `requireSignature: false` says otherwise.
 */
export function clientSignerPolicy(o: SignatureOptions, signer: HeaderSigner | undefined): SignerPolicy {
  if (o.requireSignature !== undefined)
    needs(typeof o.requireSignature === 'boolean', 'InvalidParameterValue', 'requireSignature must be a boolean.')
  const trusted =
    o.trustedSigners !== undefined ? checkKeys(o.trustedSigners) : signer ? [Buffer.from(signer.publicKey)] : []
  return checkRequire({ trusted, required: o.requireSignature ?? trusted.length > 0 })
}

/** One call's policy: its own trust list replaces the client's (and then requires a signature unless told not to). */
export function callSignerPolicy(client: SignerPolicy, o: SignatureOptions): SignerPolicy {
  if (o.trustedSigners === undefined && o.requireSignature === undefined) return client
  if (o.requireSignature !== undefined)
    needs(typeof o.requireSignature === 'boolean', 'InvalidParameterValue', 'requireSignature must be a boolean.')
  const trusted = o.trustedSigners !== undefined ? checkKeys(o.trustedSigners) : client.trusted
  const required = o.requireSignature ?? (o.trustedSigners !== undefined ? trusted.length > 0 : client.required)
  return checkRequire({ trusted, required })
}

/** A header signer a reader vouches for. */
export interface TrustedSigner {
  readonly algorithm: HeaderSignatureAlgorithm
  readonly publicKey: Buffer
}

/**
 * Applies the policy to a parsed header, before any key is called. A present signature must always verify; the
 * signer is returned only when its key is in the trust list (a signed message from any other key is refused when
 * there is a list, and reported as unsigned — `null` — when there is none).
 */
export function checkSigner(h: ParsedHeader, policy: SignerPolicy): TrustedSigner | null {
  if (!h.signatureAlgorithm) {
    if (policy.required) throw decryptionFailed(new Error('the message is not signed'))
    return null
  }
  const pk = h.signerPublicKey ?? Buffer.alloc(0)
  const listed = policy.trusted.some((t) => pk.equals(t))
  if (policy.trusted.length > 0 && !listed)
    throw decryptionFailed(new Error('the message is signed by an untrusted key'))
  const signed = Buffer.concat([h.authenticated, h.headerTag])
  if (!verifyHeaderSignature(h.signatureAlgorithm, pk, signed, h.signature ?? Buffer.alloc(0)))
    throw decryptionFailed(new Error('bad header signature'))
  return listed ? { algorithm: h.signatureAlgorithm, publicKey: pk } : null
}
