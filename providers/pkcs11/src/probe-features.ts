import { constants, createDecipheriv, createPublicKey, publicEncrypt, randomBytes, verify } from 'node:crypto'
import {
  KeywardError,
  blobAad,
  decodeCiphertextBlob,
  type KeyUsage,
  type ProviderCapabilities,
  type SignAlgorithm,
  type WrappingAlgorithm,
} from '@keyward/core'
import type { Pkcs11KeyProvider } from './pkcs11-key-provider.js'

/** One Keyward feature `keyward hsm probe` tries: which capability declares it, and how it is exercised. */
export interface ProbeFeature {
  readonly name: string
  /** The capability list and value that must be declared for the feature to be tried. */
  readonly requires: readonly [keyof Omit<ProviderCapabilities, 'notes' | 'keyRotation'>, string] | undefined
  /** Runs the feature on keys it creates (through `make`, so they are cleaned up); returns how it worked. */
  readonly run: (p: Pkcs11KeyProvider, make: (usage: KeyUsage, type?: 1 | 2) => Promise<string>) => Promise<string>
}

const message = Buffer.from('keyward hsm probe')

function publicKeyOf(p: Pkcs11KeyProvider, keyId: string) {
  return p.getPublicKey(keyId).then((r) => createPublicKey(r.publicKeyPem))
}

/** Signs with the token, verifies with node:crypto (an implementation Keyward did not write) and with the token. */
function signing(algorithm: SignAlgorithm, usage: KeyUsage): ProbeFeature {
  return {
    name: `Sign/Verify ${algorithm}`,
    requires: ['signAlgorithms', algorithm],
    run: async (p, make) => {
      const keyId = await make(usage)
      const { signature } = await p.signByAsymmetricKey({ keyId, algorithm, message })
      const key = await publicKeyOf(p, keyId)
      const padding =
        algorithm === 'RSA_PSS_SHA_256'
          ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : algorithm === 'RSA_PKCS1_SHA_256'
            ? { padding: constants.RSA_PKCS1_PADDING }
            : {}
      if (!verify('sha256', message, { key, ...padding }, signature))
        throw new KeywardError('InternalError', "node:crypto rejects the token's signature.")
      if (!(await p.verifyByAsymmetricKey({ keyId, algorithm, message, signature })).signatureValid)
        throw new KeywardError('InternalError', 'The token rejects its own signature.')
      return 'token signature verified by node:crypto'
    },
  }
}

/** node:crypto encrypts with the token's public key; the token decrypts. */
function rsaDecrypt(algorithm: 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256'): ProbeFeature {
  return {
    name: `AsymmetricRsaDecrypt ${algorithm}`,
    requires: ['asymmetricDecryptAlgorithms', algorithm],
    run: async (p, make) => {
      const keyId = await make('ASYMMETRIC_DECRYPT_RSA_2048')
      const secret = randomBytes(32)
      const ciphertext = publicEncrypt(
        {
          key: await publicKeyOf(p, keyId),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256',
        },
        secret,
      )
      const { plaintext } = await p.asymmetricRsaDecrypt({ keyId, algorithm, ciphertext })
      if (!Buffer.from(plaintext).equals(secret))
        throw new KeywardError('InternalError', 'The token decrypted to other bytes.')
      return 'node:crypto ciphertext decrypted'
    },
  }
}

/** Material wrapped here with node:crypto, unwrapped in the token; the key then encrypts and decrypts. */
function byok(algorithm: WrappingAlgorithm): ProbeFeature {
  return {
    name: `BYOK import ${algorithm}`,
    requires: ['wrappingAlgorithms', algorithm],
    run: async (p, make) => {
      const keyId = await make('ENCRYPT_DECRYPT', 2)
      const params = await p.getParametersForImport({ keyId, wrappingAlgorithm: algorithm })
      const material = randomBytes(32)
      const key = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
      const encryptedKeyMaterial =
        algorithm === 'RSAES_PKCS1_V1_5'
          ? publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, material)
          : publicEncrypt(
              {
                key,
                padding: constants.RSA_PKCS1_OAEP_PADDING,
                oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256',
              },
              material,
            )
      await p.importKeyMaterial({ keyId, importToken: params.importToken, encryptedKeyMaterial })
      const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: message })
      if (!Buffer.from((await p.decrypt({ ciphertextBlob })).plaintext).equals(message))
        throw new KeywardError('InternalError', 'The imported key does not round-trip.')
      const parts = decodeCiphertextBlob(ciphertextBlob)
      if (parts.cipher !== 'AES-256-GCM') return `imported; ${parts.cipher} round trip`
      // With GCM the token's ciphertext can be checked against the material: it must be plain AES-256-GCM.
      const d = createDecipheriv('aes-256-gcm', material, parts.nonce)
        .setAAD(blobAad(parts.header, undefined))
        .setAuthTag(parts.tag)
      if (!Buffer.concat([d.update(parts.ciphertext), d.final()]).equals(message))
        throw new KeywardError('InternalError', "node:crypto cannot decrypt the token's AES-GCM.")
      return "imported; the token's AES-GCM decrypts with node:crypto"
    },
  }
}

/** Every feature the probe tries, in the order it prints them. */
export const PROBE_FEATURES: readonly ProbeFeature[] = [
  {
    name: 'GenerateRandom',
    requires: undefined,
    run: async (p) => {
      const a = await p.generateRandom(32)
      const b = await p.generateRandom(32)
      if (Buffer.from(a).equals(Buffer.from(b)))
        throw new KeywardError('InternalError', 'The token returned the same random bytes twice.')
      return '32 bytes, twice, different'
    },
  },
  {
    name: 'Encrypt/Decrypt/GenerateDataKey AES_256',
    requires: ['symmetricKeySpecs', 'AES_256'],
    run: async (p, make) => {
      const keyId = await make('ENCRYPT_DECRYPT')
      const { ciphertextBlob } = await p.encrypt({ keyId, plaintext: message, encryptionContext: { probe: '1' } })
      if (
        !Buffer.from((await p.decrypt({ ciphertextBlob, encryptionContext: { probe: '1' } })).plaintext).equals(message)
      )
        throw new KeywardError('InternalError', 'Encrypt/Decrypt does not round-trip.')
      const dk = await p.generateDataKey({ keyId, numberOfBytes: 32 })
      try {
        if (
          !Buffer.from((await p.decrypt({ ciphertextBlob: dk.ciphertextBlob })).plaintext).equals(
            Buffer.from(dk.plaintext),
          )
        )
          throw new KeywardError('InternalError', 'GenerateDataKey does not round-trip.')
      } finally {
        dk.dispose()
      }
      return `${decodeCiphertextBlob(ciphertextBlob).cipher}`
    },
  },
  {
    name: 'RotateKey AES_256',
    requires: ['symmetricKeySpecs', 'AES_256'],
    run: async (p, make) => {
      const keyId = await make('ENCRYPT_DECRYPT')
      const before = await p.encrypt({ keyId, plaintext: message })
      await p.rotateKey(keyId)
      const after = await p.encrypt({ keyId, plaintext: message })
      if (decodeCiphertextBlob(after.ciphertextBlob).keyVersion !== 2)
        throw new KeywardError('InternalError', 'Rotation did not add version 2.')
      await p.decrypt({ ciphertextBlob: before.ciphertextBlob })
      return 'version 2 encrypts, version 1 still decrypts'
    },
  },
  signing('RSA_PKCS1_SHA_256', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'),
  signing('RSA_PSS_SHA_256', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'),
  signing('ECC_P256_R1', 'ASYMMETRIC_SIGN_VERIFY_ECC'),
  rsaDecrypt('RSAES_OAEP_SHA_1'),
  rsaDecrypt('RSAES_OAEP_SHA_256'),
  byok('RSAES_PKCS1_V1_5'),
  byok('RSAES_OAEP_SHA_1'),
  byok('RSAES_OAEP_SHA_256'),
]
