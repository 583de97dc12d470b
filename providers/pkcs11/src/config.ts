import { existsSync, readFileSync } from 'node:fs'
import { KeywardError, MemoryKeyStore, SecretString, systemClock, type Clock, type KeyStore } from '@keyward/core'
import { parseVendorMechanisms, type VendorMechanismMap, type VendorMechanismSpec } from './vendor-mechanisms.js'

/** Where common distributions install SoftHSM2; the first that exists is used when no module path is given. */
export const DEFAULT_MODULE_PATHS: readonly string[] = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
]

/**
 * Options of {@link Pkcs11KeyProvider}. Give the token by label or slot index, and the user PIN by exactly one of
 * `pin`, `pinEnv` or `pinFile`.
 */
export interface Pkcs11ProviderOptions {
  /** PKCS#11 module (.so); default: the first of {@link DEFAULT_MODULE_PATHS} that exists. */
  modulePath?: string
  /**
   * C_Initialize library parameters, for modules that take an init string instead of a config file: NSS softokn
   * loaded directly needs `configdir='sql:/path/to/db' certPrefix='' keyPrefix='' secmod='secmod.db'`. Passed
   * in the NSS-extended CK_C_INITIALIZE_ARGS; modules that do not expect it refuse it (CKR_ARGUMENTS_BAD).
   */
  libraryParameters?: string
  /** CKA token label (padding spaces ignored). */
  tokenLabel?: string
  /** Index into the module's slots with a token present; used when no label is given. */
  slotIndex?: number
  /** The user PIN; a plain string is wrapped at once so it never prints. */
  pin?: SecretString | string
  /** Name of an environment variable holding the PIN. */
  pinEnv?: string
  /** File whose first line is the PIN. */
  pinFile?: string
  /** Sessions kept open; concurrent calls beyond it wait. Default 4. */
  poolSize?: number
  /**
   * Where metadata and token-object references live; the provider owns it and closes it in close(). Default: a
   * MemoryKeyStore, for tests and tools only (the token keeps its objects, the metadata would be lost on exit).
   */
  store?: KeyStore
  /**
   * How long, in milliseconds, key metadata read for a cryptographic call is reused (default 1000, 0 to 60000;
   * 0 reads the store on every call). Changes made through this provider apply at once whatever the value;
   * this bounds how long a change made by another process through the same store (say, DisableKey) can go
   * unseen here.
   */
  metadataCacheMs?: number
  /** Vendor mechanisms (国密 SM4 on Chinese HSMs), per instance: JSON text or object. */
  vendorMechanisms?: string | Readonly<Record<string, VendorMechanismSpec>>
  /** Instance name in capabilities/audit; default `pkcs11`. */
  name?: string
  clock?: Clock
}

/** Options after defaults, discovery and PIN resolution. */
export interface ResolvedPkcs11Options {
  name: string
  modulePath: string
  libraryParameters: string | undefined
  tokenLabel: string | undefined
  slotIndex: number | undefined
  pin: SecretString
  poolSize: number
  store: KeyStore
  metadataCacheMs: number
  vendor: VendorMechanismMap
  clock: Clock
}

function unavailable(message: string): KeywardError {
  return new KeywardError('FailedOperation.ProviderUnavailable', message)
}

function resolvePin(o: Pkcs11ProviderOptions): SecretString {
  const given = [o.pin !== undefined, o.pinEnv !== undefined, o.pinFile !== undefined].filter(Boolean).length
  if (given !== 1)
    throw new KeywardError('InvalidParameter', 'Give the user PIN by exactly one of pin, pinEnv or pinFile.')
  if (o.pin !== undefined) return o.pin instanceof SecretString ? o.pin : new SecretString(o.pin)
  if (o.pinEnv !== undefined) {
    const v = process.env[o.pinEnv]
    if (!v) throw unavailable(`The PIN environment variable ${o.pinEnv} is not set.`)
    return new SecretString(v)
  }
  let text: string
  try {
    text = readFileSync(o.pinFile as string, 'utf8')
  } catch (e) {
    throw new KeywardError('FailedOperation.ProviderUnavailable', `The PIN file ${o.pinFile} cannot be read.`, {
      cause: e,
    })
  }
  const line = text.split(/\r?\n/)[0] ?? ''
  if (!line) throw unavailable(`The PIN file ${o.pinFile} is empty.`)
  return new SecretString(line)
}

/** libraryParameters: a non-empty string of at most 4096 characters without NUL (it becomes a C string). */
function checkLibraryParameters(v: unknown): string | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0')) {
    throw new KeywardError(
      'InvalidParameterValue',
      'libraryParameters must be a non-empty string of at most 4096 characters without NUL.',
    )
  }
  return v
}

/** Applies defaults, finds the module and reads the PIN. Throws KeywardError for a bad configuration. */
export function resolveOptions(o: Pkcs11ProviderOptions): ResolvedPkcs11Options {
  if (o === null || typeof o !== 'object')
    throw new KeywardError('MissingParameter', 'Pkcs11KeyProvider needs an options object.')
  const modulePath = o.modulePath ?? DEFAULT_MODULE_PATHS.find((p) => existsSync(p))
  if (!modulePath) {
    throw unavailable(
      `No PKCS#11 module path given and none found at ${DEFAULT_MODULE_PATHS.join(', ')}. Set modulePath (e.g. install softhsm2).`,
    )
  }
  if (!existsSync(modulePath)) throw unavailable(`The PKCS#11 module ${modulePath} does not exist.`)
  const libraryParameters = checkLibraryParameters(o.libraryParameters)
  if (o.tokenLabel === undefined && o.slotIndex === undefined)
    throw new KeywardError('MissingParameter', 'Give tokenLabel or slotIndex.')
  if (o.slotIndex !== undefined && (!Number.isInteger(o.slotIndex) || o.slotIndex < 0)) {
    throw new KeywardError('InvalidParameterValue', 'slotIndex must be a non-negative integer.')
  }
  const poolSize = o.poolSize ?? 4
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 64)
    throw new KeywardError('InvalidParameterValue', 'poolSize must be an integer from 1 to 64.')
  const metadataCacheMs = o.metadataCacheMs ?? 1000
  if (!Number.isInteger(metadataCacheMs) || metadataCacheMs < 0 || metadataCacheMs > 60_000) {
    throw new KeywardError('InvalidParameterValue', 'metadataCacheMs must be an integer from 0 to 60000.')
  }
  return {
    name: o.name ?? 'pkcs11',
    modulePath,
    libraryParameters,
    tokenLabel: o.tokenLabel,
    slotIndex: o.slotIndex,
    pin: resolvePin(o),
    poolSize,
    store: o.store ?? new MemoryKeyStore(),
    metadataCacheMs,
    vendor: parseVendorMechanisms(o.vendorMechanisms),
    clock: o.clock ?? systemClock,
  }
}
