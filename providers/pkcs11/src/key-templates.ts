import * as graphene from 'graphene-pk11'

/**
 * PKCS#11 templates of the objects Keyward creates. Defaults are the strict ones: token objects, private,
 * sensitive, non-extractable, and only the usages the key's KeyUsage needs. CKA_ID and CKA_LABEL name the
 * Keyward key and version, so `pkcs11-tool --list-objects` shows which key an object belongs to.
 */

/** CKA_ID of version `version` of `keyId` (ASCII, so tools print it readably). */
export function objectId(keyId: string, version: number): Buffer {
  return Buffer.from(`${keyId}/v${version}`, 'ascii')
}

/** CKA_ID of the current BYOK wrapping key pair of `keyId`. */
export function importKeyId(keyId: string): Buffer {
  return Buffer.from(`${keyId}/import`, 'ascii')
}

/** CKA_LABEL for an object whose CKA_ID is `id`. */
export function objectLabel(id: Buffer): string {
  return `keyward:${id.toString('ascii')}`
}

/**
 * What a symmetric version object is for: a GCM key encrypts and decrypts; the AES key of an encrypt-then-MAC
 * version only derives its two working keys (C_UnwrapKey with CKM_AES_ECB, see etm-crypto.ts), never data.
 */
export type SecretRole = 'cipher' | 'derive'

const ROLE_FLAGS: Record<SecretRole, graphene.ITemplate> = {
  cipher: { encrypt: true, decrypt: true, wrap: false, unwrap: false },
  derive: { encrypt: false, decrypt: false, wrap: false, unwrap: true },
}

/** A symmetric CMK version (AES, or the vendor SM4 key type). */
export function secretKeyTemplate(
  id: Buffer,
  keyType: number,
  valueLen: number,
  extractable: boolean,
  role: SecretRole = 'cipher',
): graphene.ITemplate {
  return {
    class: graphene.ObjectClass.SECRET_KEY,
    keyType,
    valueLen,
    id,
    label: objectLabel(id),
    token: true,
    private: true,
    sensitive: true,
    extractable,
    ...ROLE_FLAGS[role],
  }
}

/**
 * The template C_UnwrapKey gives an imported (BYOK) symmetric key: the length comes from the material.
 * `extractable: undefined` leaves CKA_EXTRACTABLE out (a probe object: openCryptoki refuses TRUE in an unwrap
 * template with CKR_ATTRIBUTE_READ_ONLY); the provider checks the attribute on what the token made either way.
 */
export function importedKeyTemplate(
  id: Buffer,
  keyType: number,
  token: boolean,
  role: SecretRole,
  extractable: boolean | undefined,
): graphene.ITemplate {
  return {
    class: graphene.ObjectClass.SECRET_KEY,
    keyType,
    id,
    label: objectLabel(id),
    token,
    private: true,
    sensitive: true,
    ...(extractable !== undefined ? { extractable } : {}),
    ...ROLE_FLAGS[role],
  }
}

/** The CKA_ID of a working key derived from version object `id` (`<KeyId>/v<n>/enc`, `.../mac`). */
export function derivedId(id: Buffer, kind: 'enc' | 'mac'): Buffer {
  return Buffer.concat([id, Buffer.from(`/${kind}`, 'ascii')])
}

/** A working key of an encrypt-then-MAC version: AES-256 for CBC, or a 32-byte generic secret for HMAC. */
export function derivedKeyTemplate(id: Buffer, kind: 'enc' | 'mac', token: boolean): graphene.ITemplate {
  const use: graphene.ITemplate =
    kind === 'enc'
      ? { keyType: graphene.KeyType.AES, encrypt: true, decrypt: true }
      : { keyType: graphene.KeyType.GENERIC_SECRET, sign: true, verify: true }
  const did = derivedId(id, kind)
  return {
    class: graphene.ObjectClass.SECRET_KEY,
    valueLen: 32,
    id: did,
    label: objectLabel(did),
    token,
    private: true,
    sensitive: true,
    extractable: false,
    wrap: false,
    unwrap: false,
    ...use,
  }
}

/** What an asymmetric key pair is for. */
export type PairPurpose = 'sign' | 'decrypt' | 'unwrap'

function usageFlags(purpose: PairPurpose): { pub: graphene.ITemplate; priv: graphene.ITemplate } {
  switch (purpose) {
    case 'sign':
      return { pub: { verify: true }, priv: { sign: true } }
    case 'decrypt':
      return { pub: { encrypt: true }, priv: { decrypt: true } }
    case 'unwrap':
      return { pub: { wrap: true }, priv: { unwrap: true } }
  }
}

/** RSA-2048 key pair (e = 65537). */
export function rsaPairTemplates(
  id: Buffer,
  purpose: PairPurpose,
): { pub: graphene.ITemplate; priv: graphene.ITemplate } {
  const u = usageFlags(purpose)
  return {
    pub: {
      keyType: graphene.KeyType.RSA,
      modulusBits: 2048,
      publicExponent: Buffer.from([1, 0, 1]),
      id,
      label: objectLabel(id),
      token: true,
      private: false,
      ...u.pub,
    },
    priv: {
      keyType: graphene.KeyType.RSA,
      id,
      label: objectLabel(id),
      token: true,
      private: true,
      sensitive: true,
      extractable: false,
      ...u.priv,
    },
  }
}

/** DER OID of secp256r1 (prime256v1), the CKA_EC_PARAMS of a P-256 key. */
export const P256_PARAMS = graphene.NamedCurve.getByName('secp256r1').value

/** ECDSA P-256 key pair. */
export function ecPairTemplates(id: Buffer): { pub: graphene.ITemplate; priv: graphene.ITemplate } {
  return {
    pub: {
      keyType: graphene.KeyType.EC,
      paramsEC: P256_PARAMS,
      id,
      label: objectLabel(id),
      token: true,
      private: false,
      verify: true,
    },
    priv: {
      keyType: graphene.KeyType.EC,
      id,
      label: objectLabel(id),
      token: true,
      private: true,
      sensitive: true,
      extractable: false,
      sign: true,
    },
  }
}

/** A session-only RSA public key to wrap with (wrapKeyMaterialFor): gone when the session closes. */
export function wrappingPublicKeyTemplate(modulus: Buffer, publicExponent: Buffer): graphene.ITemplate {
  return {
    class: graphene.ObjectClass.PUBLIC_KEY,
    keyType: graphene.KeyType.RSA,
    modulus,
    publicExponent,
    token: false,
    private: false,
    wrap: true,
    encrypt: true,
  }
}
