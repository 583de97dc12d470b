import * as graphene from 'graphene-pk11'
import pkcs11 from 'pkcs11js'
import { ckrOf } from './pkcs11-errors.js'

/** One entry of C_GetMechanismList with its C_GetMechanismInfo. */
export interface MechanismInfo {
  readonly type: number
  /** graphene's name (`AES_GCM`), or `0x…` for a mechanism graphene does not know (vendor-defined). */
  readonly name: string
  readonly flags: number
  readonly minKeySize: number
  readonly maxKeySize: number
}

/** Key-management functions some modules leave out (tpm2-pkcs11 1.9 has no C_GenerateKey / C_UnwrapKey). */
export const OPTIONAL_FUNCTIONS = ['C_GenerateKey', 'C_GenerateKeyPair', 'C_WrapKey', 'C_UnwrapKey'] as const
export type OptionalFunction = (typeof OPTIONAL_FUNCTIONS)[number]

/** What a token says about itself: library, token, mechanisms with flags, and which optional functions exist. */
export interface TokenFacts {
  readonly library: {
    readonly description: string
    readonly manufacturer: string
    readonly version: string
    readonly cryptoki: string
  }
  readonly token: {
    readonly label: string
    readonly manufacturer: string
    readonly model: string
    readonly serial: string
    readonly flags: number
  }
  readonly mechanisms: ReadonlyMap<number, MechanismInfo>
  readonly functions: ReadonlySet<OptionalFunction>
}

const version = (v: { major: number; minor: number }): string => `${v.major}.${v.minor}`
/** PKCS#11 pads its fixed-size strings with spaces; some modules (tpm2-pkcs11) with NULs. */
const text = (s: string): string => s.replace(/[\0\s]+$/, '').trim()

/** graphene's name of a mechanism type, or its hex value. */
export function mechanismName(type: number): string {
  const name = (graphene.MechanismEnum as unknown as Record<number, string | undefined>)[type]
  return typeof name === 'string' ? name : `0x${type.toString(16).padStart(8, '0')}`
}

/**
 * Which optional functions the module implements, found without a session and without creating anything: each
 * is called with the invalid session handle 0 and an empty template. A module that has the function answers
 * CKR_SESSION_HANDLE_INVALID (or complains about the template first); one that lacks it answers
 * CKR_FUNCTION_NOT_SUPPORTED. Mechanism flags alone cannot tell: tpm2-pkcs11 lists CKM_AES_KEY_GEN with
 * CKF_GENERATE but its C_GenerateKey is a stub.
 */
function probeFunctions(lib: pkcs11.PKCS11): Set<OptionalFunction> {
  const none = Buffer.alloc(8)
  const calls: Record<OptionalFunction, () => unknown> = {
    C_GenerateKey: () => lib.C_GenerateKey(none, { mechanism: pkcs11.CKM_AES_KEY_GEN }, []),
    C_GenerateKeyPair: () => lib.C_GenerateKeyPair(none, { mechanism: pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN }, [], []),
    C_WrapKey: () => lib.C_WrapKey(none, { mechanism: pkcs11.CKM_RSA_PKCS }, none, none, Buffer.alloc(512)),
    C_UnwrapKey: () => lib.C_UnwrapKey(none, { mechanism: pkcs11.CKM_RSA_PKCS }, none, Buffer.alloc(256), []),
  }
  const present = new Set<OptionalFunction>()
  for (const fn of OPTIONAL_FUNCTIONS) {
    try {
      calls[fn]()
      present.add(fn)
    } catch (e) {
      if (ckrOf(e) !== 'CKR_FUNCTION_NOT_SUPPORTED') present.add(fn)
    }
  }
  return present
}

/** Reads the facts of the token in `slot` (no session, no login: C_GetInfo, C_GetTokenInfo, C_GetMechanism*). */
export function readTokenFacts(module: graphene.Module, slot: graphene.Slot): TokenFacts {
  const lib = module.lib
  const info = lib.C_GetInfo()
  const token = lib.C_GetTokenInfo(slot.handle)
  const mechanisms = new Map<number, MechanismInfo>()
  for (const type of lib.C_GetMechanismList(slot.handle)) {
    try {
      const m = lib.C_GetMechanismInfo(slot.handle, type)
      mechanisms.set(type, {
        type,
        name: mechanismName(type),
        flags: m.flags,
        minKeySize: m.minKeySize,
        maxKeySize: m.maxKeySize,
      })
    } catch {
      // A listed mechanism whose info the module will not give is treated as absent.
    }
  }
  return {
    library: {
      description: text(info.libraryDescription),
      manufacturer: text(info.manufacturerID),
      version: version(info.libraryVersion),
      cryptoki: version(info.cryptokiVersion),
    },
    token: {
      label: text(token.label),
      manufacturer: text(token.manufacturerID),
      model: text(token.model),
      serial: text(token.serialNumber),
      flags: token.flags,
    },
    mechanisms,
    functions: probeFunctions(lib),
  }
}
