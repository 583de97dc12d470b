import pkcs11 from 'pkcs11js'
import type { MechanismInfo, OptionalFunction, TokenFacts } from './token-facts.js'

/** Mechanism flags Keyward asks for (CKF_*, without the prefix). */
export type MechanismFlag =
  | 'ENCRYPT'
  | 'DECRYPT'
  | 'SIGN'
  | 'VERIFY'
  | 'WRAP'
  | 'UNWRAP'
  | 'GENERATE'
  | 'GENERATE_KEY_PAIR'

const FLAG_BITS: Record<MechanismFlag, number> = {
  ENCRYPT: pkcs11.CKF_ENCRYPT,
  DECRYPT: pkcs11.CKF_DECRYPT,
  SIGN: pkcs11.CKF_SIGN,
  VERIFY: pkcs11.CKF_VERIFY,
  WRAP: pkcs11.CKF_WRAP,
  UNWRAP: pkcs11.CKF_UNWRAP,
  GENERATE: pkcs11.CKF_GENERATE,
  GENERATE_KEY_PAIR: pkcs11.CKF_GENERATE_KEY_PAIR,
}

/** One thing a feature needs from the token: a mechanism with flags (and a key size), or an optional function. */
export type Need =
  | { readonly mechanism: string; readonly flags: readonly MechanismFlag[]; readonly keyBits?: number }
  | { readonly fn: OptionalFunction }

const mech = (mechanism: string, flags: readonly MechanismFlag[], keyBits?: number): Need => ({
  mechanism,
  flags,
  ...(keyBits ? { keyBits } : {}),
})
const fn = (name: OptionalFunction): Need => ({ fn: name })

/**
 * What each Keyward feature needs, as data: the provider declares a capability only when every need of it is
 * met, and `keyward hsm probe` prints the same table. Signatures of RAW messages also use the token's combined
 * hash-and-sign mechanism when it has one (CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS); otherwise the host
 * hashes and the bare mechanism signs, so only the bare one is a need.
 */
export const FEATURE_NEEDS = {
  'AES-256-GCM': [
    fn('C_GenerateKey'),
    mech('AES_KEY_GEN', ['GENERATE'], 256),
    mech('AES_GCM', ['ENCRYPT', 'DECRYPT'], 256),
  ],
  'AES-256-CBC-HMAC-SHA256': [
    fn('C_GenerateKey'),
    fn('C_UnwrapKey'),
    mech('AES_KEY_GEN', ['GENERATE'], 256),
    mech('AES_ECB', ['UNWRAP'], 256),
    mech('AES_CBC_PAD', ['ENCRYPT', 'DECRYPT'], 256),
    mech('SHA256_HMAC', ['SIGN', 'VERIFY']),
  ],
  'RSA-2048 key pair': [fn('C_GenerateKeyPair'), mech('RSA_PKCS_KEY_PAIR_GEN', ['GENERATE_KEY_PAIR'], 2048)],
  'EC P-256 key pair': [fn('C_GenerateKeyPair'), mech('EC_KEY_PAIR_GEN', ['GENERATE_KEY_PAIR'], 256)],
  RSA_PKCS1_SHA_256: [mech('RSA_PKCS', ['SIGN', 'VERIFY'], 2048)],
  RSA_PSS_SHA_256: [mech('RSA_PKCS_PSS', ['SIGN', 'VERIFY'], 2048)],
  ECC_P256_R1: [mech('ECDSA', ['SIGN', 'VERIFY'], 256)],
  RSAES_OAEP_SHA_1: [mech('RSA_PKCS_OAEP', ['DECRYPT'], 2048)],
  RSAES_OAEP_SHA_256: [mech('RSA_X_509', ['DECRYPT'], 2048)],
  'BYOK RSAES_PKCS1_V1_5': [fn('C_UnwrapKey'), mech('RSA_PKCS', ['UNWRAP'], 2048)],
  'BYOK RSAES_OAEP_SHA_1': [fn('C_UnwrapKey'), mech('RSA_PKCS_OAEP', ['UNWRAP'], 2048)],
} as const satisfies Record<string, readonly Need[]>

export type Feature = keyof typeof FEATURE_NEEDS

/** graphene mechanism name → CKM value, for needs given by name. */
function mechanismType(name: string): number | undefined {
  const v = (pkcs11 as unknown as Record<string, unknown>)[`CKM_${name}`]
  return typeof v === 'number' ? v : undefined
}

/**
 * Key sizes are bits for RSA/EC and bytes for AES in PKCS#11, and tokens are not consistent about it; a size is
 * accepted in either unit, and a token reporting 0–0 (unknown) is taken at its word that the mechanism exists.
 */
function sizeOk(m: MechanismInfo, bits: number): boolean {
  if (m.minKeySize === 0 && m.maxKeySize === 0) return true
  return (m.minKeySize <= bits && bits <= m.maxKeySize) || (m.minKeySize <= bits / 8 && bits / 8 <= m.maxKeySize)
}

/** A need, printed the way a PKCS#11 person reads it: `CKM_AES_GCM (ENCRYPT|DECRYPT)` or `C_UnwrapKey`. */
export function describeNeed(need: Need): string {
  if ('fn' in need) return need.fn
  return `CKM_${need.mechanism} (${need.flags.join('|')}${need.keyBits ? `, ${need.keyBits}-bit keys` : ''})`
}

/** True when the token meets `need`. */
export function meets(facts: TokenFacts, need: Need): boolean {
  if ('fn' in need) return facts.functions.has(need.fn)
  const type = mechanismType(need.mechanism)
  const m = type === undefined ? undefined : facts.mechanisms.get(type)
  if (!m) return false
  if (need.flags.some((f) => (m.flags & FLAG_BITS[f]) === 0)) return false
  return need.keyBits === undefined || sizeOk(m, need.keyBits)
}

/** The needs of `feature` the token does not meet (empty: the feature is available). */
export function missingNeeds(facts: TokenFacts, feature: Feature): Need[] {
  return FEATURE_NEEDS[feature].filter((n) => !meets(facts, n))
}

/** True when the token lists `mechanism` (graphene name) with every one of `flags`. */
export function hasMechanism(facts: TokenFacts, mechanism: string, flags: readonly MechanismFlag[]): boolean {
  return meets(facts, { mechanism, flags })
}
