import {
  LIMITS,
  SIGN_ALGORITHMS,
  checkKeyId,
  checkOneOf,
  needs,
  requireCompliantFor,
  type CallOptions,
  type AsymmetricCrypto,
  type MessageType,
  type SignAlgorithm,
} from '@keyward/core'
import type { ParsedPublicKey } from '../asymmetric/public-key.js'
import { verifySignatureLocally } from './local-verify.js'
import { checkMessageSource, prepareMessage, type MessageSource, type PreparedMessage } from './message-source.js'
import { PublicKeyCache } from './public-key-cache.js'
import { checkKeyFitsAlgorithm, digestHashFor } from './sign-hash.js'

/** What to sign or verify, and with which key and algorithm. */
export interface SignatureParams extends CallOptions {
  keyId: string
  algorithm: SignAlgorithm
  /** Bytes, `{ path }` of a file, or an async iterable of chunks (read once). */
  message: MessageSource
}

/** A signature and how it was made. */
export interface SignatureResult {
  /** DER for SM2DSA and ECC_P256_R1, PKCS#1 / PSS bytes for RSA: what `openssl` verifies. */
  signature: Uint8Array
  /** RAW when the message (≤ 4096 bytes) was sent as is; DIGEST when it was hashed locally first. */
  messageType: MessageType
  /** Bytes of the message. */
  messageLength: number
}

/** Parameters of {@link SignatureFlow.verify}. */
export interface VerifyParams extends SignatureParams {
  signature: Uint8Array
  /** true: verify with the (cached) public key, no VerifyByAsymmetricKey call. Default false. */
  local?: boolean
}

/**
 * Signatures of any length (seed 004 "非对称签名验签"): the provider signs; messages over 4096 bytes are digested
 * locally and sent as DIGEST — SHA-256 for RSA/ECDSA, for SM2 SM3(Z‖M) with the key's public key (fetched once
 * with GetPublicKey) and user id 1234567812345678. The signatures verify with `openssl dgst -verify` /
 * `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678` over the same file.
 *
 * @example
 * ```ts
 * const signatures = new SignatureFlow(provider)
 * const { signature } = await signatures.sign({ keyId, algorithm: 'SM2DSA', message: { path: 'contract.pdf' } })
 * await signatures.verify({ keyId, algorithm: 'SM2DSA', message: { path: 'contract.pdf' }, signature, local: true })
 * ```
 */
export class SignatureFlow {
  readonly #provider: AsymmetricCrypto
  readonly #publicKeys: PublicKeyCache

  constructor(provider: AsymmetricCrypto, publicKeys: PublicKeyCache = new PublicKeyCache(provider)) {
    needs(provider !== null && typeof provider === 'object', 'MissingParameter', 'SignatureFlow needs a KeyProvider.')
    this.#provider = provider
    this.#publicKeys = publicKeys
  }

  /** Signs a message of any length in the provider. */
  async sign(params: SignatureParams): Promise<SignatureResult> {
    /* Precondition: a valid KeyId, a known algorithm the compliance profile allows and a readable message source. */
    checkParams(params)
    requireCompliantFor([this.#provider], 'signAlgorithm', params.algorithm, 'SignatureFlow.sign')
    return this.onSign(params)
  }

  /** Verifies in the provider (VerifyByAsymmetricKey) or, with `local: true`, with the cached public key. */
  async verify(params: VerifyParams): Promise<boolean> {
    /* Precondition: the sign preconditions, and the signature is bytes. */
    checkParams(params)
    requireCompliantFor([this.#provider], 'signAlgorithm', params.algorithm, 'SignatureFlow.verify')
    needs(params.signature instanceof Uint8Array, 'InvalidParameter', 'Signature must be bytes (Uint8Array/Buffer).')
    return params.local ? this.onVerifyLocally(params) : this.onVerifyInProvider(params)
  }

  /** The parsed public key of `keyId` (GetPublicKey once, then cached). */
  async publicKey(keyId: string, opts: CallOptions = {}): Promise<ParsedPublicKey> {
    checkKeyId(keyId)
    return this.#publicKeys.get(keyId, callOptions(opts))
  }

  protected async onSign(params: SignatureParams): Promise<SignatureResult> {
    const prepared = await this.prepare(params)
    const { signature } = await this.#provider.signByAsymmetricKey(
      { keyId: params.keyId, algorithm: params.algorithm, ...request(prepared) },
      callOptions(params),
    )
    return { signature, messageType: prepared.kind, messageLength: lengthOf(prepared) }
  }

  protected async onVerifyInProvider(params: VerifyParams): Promise<boolean> {
    const prepared = await this.prepare(params)
    const { signatureValid } = await this.#provider.verifyByAsymmetricKey(
      { keyId: params.keyId, algorithm: params.algorithm, signature: params.signature, ...request(prepared) },
      callOptions(params),
    )
    return signatureValid
  }

  protected async onVerifyLocally(params: VerifyParams): Promise<boolean> {
    const key = await this.publicKey(params.keyId, params)
    return verifySignatureLocally(key, params.algorithm, params.message, params.signature)
  }

  /**
   * Reads the message: RAW if it is ≤ 4096 bytes, else its DIGEST. SM2 digests need Z, hence the public key; it is
   * fetched before reading because a stream cannot be rewound once we learn it is long (cached, so once per key).
   */
  protected async prepare(params: SignatureParams): Promise<PreparedMessage> {
    let key: ParsedPublicKey | undefined
    if (params.algorithm === 'SM2DSA') {
      key = await this.publicKey(params.keyId, params)
      checkKeyFitsAlgorithm(params.algorithm, key)
    }
    return prepareMessage(params.message, LIMITS.maxRawMessageBytes, digestHashFor(params.algorithm, key))
  }
}

function checkParams(params: SignatureParams): void {
  needs(params !== null && typeof params === 'object', 'MissingParameter', 'A request object is required.')
  checkKeyId(params.keyId)
  checkOneOf('Algorithm', params.algorithm, SIGN_ALGORITHMS)
  checkMessageSource(params.message)
}

function request(prepared: PreparedMessage): { message: Uint8Array; messageType: MessageType } {
  return prepared.kind === 'RAW'
    ? { message: prepared.bytes, messageType: 'RAW' }
    : { message: prepared.digest, messageType: 'DIGEST' }
}

function lengthOf(prepared: PreparedMessage): number {
  return prepared.kind === 'RAW' ? prepared.bytes.length : prepared.length
}

function callOptions(opts: CallOptions): CallOptions {
  return opts.signal ? { signal: opts.signal } : {}
}
