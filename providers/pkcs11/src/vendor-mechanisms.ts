import * as graphene from 'graphene-pk11'
import { KeywardError } from '@keyward/core'

/**
 * Vendor mechanisms, per provider instance. 国密 SM4 (and SM2/SM3) are vendor-defined mechanisms on Chinese HSMs,
 * with ids that differ between vendors; the map says, for this one token, which mechanism id and parameter shape
 * each logical operation uses. graphene's global `MechanismEnum` is never touched, so two providers over two
 * different HSMs in one process cannot disturb each other.
 *
 * Logical names the provider looks up:
 * - `SM4_KEY_GEN`: key generation (`keyType` = the vendor CKK for SM4, `valueLen` usually 16)
 * - `SM4_GCM`: authenticated encryption with CK_GCM_PARAMS (`params: "gcm"`)
 *
 * @example
 * ```json
 * { "SM4_KEY_GEN": { "mechanism": "0x80000101", "keyType": "0x80000001", "valueLen": 16 },
 *   "SM4_GCM": { "mechanism": "0x80000108", "params": "gcm" } }
 * ```
 */
export interface VendorMechanismSpec {
  /** Mechanism id: a number, a hex string (`0x8000...`) or a standard CKM name without `CKM_`. */
  mechanism: number | string
  /** Parameter shape: none, or CK_GCM_PARAMS (12-byte IV, AAD, 128-bit tag). Default none. */
  params?: 'none' | 'gcm'
  /** For key generation: CKA_KEY_TYPE of the generated key (number, hex string or CKK name without `CKK_`). */
  keyType?: number | string
  /** For key generation: CKA_VALUE_LEN, bytes. */
  valueLen?: number
}

/** One resolved entry. */
export interface VendorMechanism {
  readonly mechanism: number
  readonly params: 'none' | 'gcm'
  readonly keyType: number | undefined
  readonly valueLen: number | undefined
}

/** Resolved vendor map: logical name → mechanism. */
export type VendorMechanismMap = ReadonlyMap<string, VendorMechanism>

/** Logical names the provider understands. */
export const VENDOR_MECHANISM_NAMES = ['SM4_KEY_GEN', 'SM4_GCM'] as const

function bad(message: string): KeywardError {
  return new KeywardError('InvalidParameterValue', `vendorMechanisms: ${message}`)
}

function toId(field: string, value: unknown, table: Record<string, unknown>): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value
  if (typeof value === 'string' && /^0x[0-9a-f]{1,8}$/i.test(value)) return Number.parseInt(value.slice(2), 16)
  if (typeof value === 'string' && typeof table[value.toUpperCase()] === 'number')
    return table[value.toUpperCase()] as number
  throw bad(`${field} must be a 32-bit number, a 0x hex string or a standard name, got ${JSON.stringify(value)}.`)
}

/** Parses and validates a vendor map (JSON text or object). Unknown logical names are rejected, not ignored. */
export function parseVendorMechanisms(
  input: string | Readonly<Record<string, VendorMechanismSpec>> | undefined,
): VendorMechanismMap {
  const map = new Map<string, VendorMechanism>()
  if (input === undefined) return map
  let obj: unknown = input
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input)
    } catch (e) {
      throw new KeywardError('InvalidParameterValue', 'vendorMechanisms is not valid JSON.', { cause: e })
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw bad('must be an object of name → { mechanism, params }.')
  for (const [name, raw] of Object.entries(obj)) {
    if (!(VENDOR_MECHANISM_NAMES as readonly string[]).includes(name))
      throw bad(`unknown name ${name}; known: ${VENDOR_MECHANISM_NAMES.join(', ')}.`)
    if (raw === null || typeof raw !== 'object') throw bad(`${name} must be an object.`)
    const spec = raw as Partial<VendorMechanismSpec>
    const params = spec.params ?? 'none'
    if (params !== 'none' && params !== 'gcm') throw bad(`${name}.params must be "none" or "gcm".`)
    if (spec.valueLen !== undefined && (!Number.isInteger(spec.valueLen) || spec.valueLen < 1 || spec.valueLen > 64))
      throw bad(`${name}.valueLen must be 1-64.`)
    map.set(name, {
      mechanism: toId(
        `${name}.mechanism`,
        spec.mechanism,
        graphene.MechanismEnum as unknown as Record<string, unknown>,
      ),
      params,
      keyType:
        spec.keyType === undefined
          ? undefined
          : toId(`${name}.keyType`, spec.keyType, graphene.KeyType as unknown as Record<string, unknown>),
      valueLen: spec.valueLen,
    })
  }
  if (map.has('SM4_GCM') && map.get('SM4_GCM')?.params !== 'gcm') throw bad('SM4_GCM must use params "gcm".')
  if (map.has('SM4_KEY_GEN') && map.get('SM4_KEY_GEN')?.keyType === undefined) throw bad('SM4_KEY_GEN needs keyType.')
  return map
}

/** True when the map lets this token hold SM4 keys (generation and GCM both mapped). */
export function supportsSm4(vendor: VendorMechanismMap): boolean {
  return vendor.has('SM4_KEY_GEN') && vendor.has('SM4_GCM')
}
