import { KeywardError } from '@keyward/core'

// Placeholder until @keyward/gm lands: SM operations report UnsupportedOperation rather than fake it.
function missing(): never {
  throw new KeywardError('UnsupportedOperation', '国密 (SM2/SM4) support needs @keyward/gm, which is not available yet.')
}

export function sm4GcmEncrypt(_key: Uint8Array, _nonce: Uint8Array, _plaintext: Uint8Array, _aad: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  return missing()
}

export function sm4GcmDecrypt(_key: Uint8Array, _nonce: Uint8Array, _ciphertext: Uint8Array, _tag: Uint8Array, _aad: Uint8Array): Uint8Array {
  return missing()
}

export function sm2GenerateKeyPkcs8(): { privatePkcs8: Buffer; publicSpki: Buffer } {
  return missing()
}

export function sm2SignPkcs8(_pkcs8: Uint8Array, _message: Uint8Array, _messageType: 'RAW' | 'DIGEST'): Buffer {
  return missing()
}

export function sm2VerifySpki(_spki: Uint8Array, _message: Uint8Array, _messageType: 'RAW' | 'DIGEST', _signature: Uint8Array): boolean {
  return missing()
}

export function sm2DecryptPkcs8(_pkcs8: Uint8Array, _ciphertext: Uint8Array): Buffer {
  return missing()
}
