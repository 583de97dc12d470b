import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  MESSAGE_TYPES,
  SIGN_ALGORITHMS,
  checkBytes,
  checkSignRequest,
  type RsaEncryptionAlgorithm,
  type AsymmetricCrypto,
} from '@keyward/core'
import { bytes, oneOf, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import type { ActionTable } from './action-handler.js'
import { plaintextOut } from './crypto-actions.js'

const RSA_ALGORITHMS = ASYMMETRIC_ENCRYPTION_ALGORITHMS.filter((a): a is RsaEncryptionAlgorithm => a !== 'SM2')

async function getPublicKey(ctx: RequestContext<AsymmetricCrypto>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  const r = await ctx.provider.getPublicKey(owner.keyId)
  return { KeyId: r.keyId, PublicKey: r.publicKey, PublicKeyPem: r.publicKeyPem }
}

async function asymmetricRsaDecrypt(ctx: RequestContext<AsymmetricCrypto>, p: Params) {
  const ciphertext = bytes(p, 'Ciphertext', 2048)
  checkBytes('Ciphertext', ciphertext, 1, 1024)
  const algorithm = oneOf(p, 'Algorithm', RSA_ALGORITHMS)
  const owner = await ctx.key(p['KeyId'])
  const r = await ctx.provider.asymmetricRsaDecrypt({ keyId: owner.keyId, ciphertext, algorithm })
  return { KeyId: r.keyId, Plaintext: plaintextOut({}, r.plaintext, ctx.services.compliance) }
}

async function asymmetricSm2Decrypt(ctx: RequestContext<AsymmetricCrypto>, p: Params) {
  const ciphertext = bytes(p, 'Ciphertext', 2048)
  checkBytes('Ciphertext', ciphertext, 1, 1024)
  const owner = await ctx.key(p['KeyId'])
  const r = await ctx.provider.asymmetricSm2Decrypt({ keyId: owner.keyId, ciphertext })
  return { KeyId: r.keyId, Plaintext: plaintextOut({}, r.plaintext, ctx.services.compliance) }
}

function signParams(p: Params) {
  const algorithm = oneOf(p, 'Algorithm', SIGN_ALGORITHMS)
  const messageType = oneOf(p, 'MessageType', MESSAGE_TYPES, 'RAW')
  const message = bytes(p, 'Message', 8192)
  return { algorithm, messageType, message }
}

async function signByAsymmetricKey(ctx: RequestContext<AsymmetricCrypto>, p: Params) {
  const s = signParams(p)
  const owner = await ctx.key(p['KeyId'])
  checkSignRequest({ keyId: owner.keyId, ...s })
  const r = await ctx.provider.signByAsymmetricKey({ keyId: owner.keyId, ...s })
  return { Signature: Buffer.from(r.signature).toString('base64') }
}

async function verifyByAsymmetricKey(ctx: RequestContext<AsymmetricCrypto>, p: Params) {
  const s = signParams(p)
  const signature = bytes(p, 'SignatureValue', 2048)
  checkBytes('SignatureValue', signature, 1, 1024)
  const owner = await ctx.key(p['KeyId'])
  checkSignRequest({ keyId: owner.keyId, ...s })
  const r = await ctx.provider.verifyByAsymmetricKey({ keyId: owner.keyId, ...s, signature })
  return { SignatureValid: r.signatureValid }
}

/** GetPublicKey, AsymmetricRsaDecrypt, AsymmetricSm2Decrypt, SignByAsymmetricKey, VerifyByAsymmetricKey. */
export const asymmetricActions: ActionTable<AsymmetricCrypto> = {
  GetPublicKey: getPublicKey,
  AsymmetricRsaDecrypt: asymmetricRsaDecrypt,
  AsymmetricSm2Decrypt: asymmetricSm2Decrypt,
  SignByAsymmetricKey: signByAsymmetricKey,
  VerifyByAsymmetricKey: verifyByAsymmetricKey,
}
