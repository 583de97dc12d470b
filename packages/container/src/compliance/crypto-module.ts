import { createCipheriv, createHash, getFips, setFips } from 'node:crypto'

/** What performs the software cryptography of this process, and whether it runs as a FIPS module. */
export interface CryptoModuleState {
  /** True when Node's OpenSSL runs with its FIPS provider (approved algorithms only, from a validated build). */
  readonly fipsActive: boolean
  /** One sentence for banners and reports. */
  readonly detail: string
}

// An approved hash and cipher must still work: Node's setFips(true) succeeds without a FIPS provider and only the
// next SHA-256 fails (ERR_OSSL_EVP_UNSUPPORTED), so success is judged by what works afterwards.
function approvedAlgorithmsWork(): boolean {
  try {
    createHash('sha256').update('keyward').digest()
    createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12)).final()
    return true
  } catch {
    return false
  }
}

function openssl(): string {
  return `Node ${process.version}, OpenSSL ${process.versions.openssl}`
}

/** The state of this process's crypto module, changing nothing. */
export function cryptoModuleState(): CryptoModuleState {
  return getFips() === 1 && approvedAlgorithmsWork()
    ? { fipsActive: true, detail: `${openssl()} with its FIPS provider enabled` }
    : { fipsActive: false, detail: `${openssl()} without a FIPS provider` }
}

/**
 * Turns on Node's OpenSSL FIPS provider when this Node has one (`crypto.setFips(true)`), for the `fips` profile.
 * Without one — the usual build — it leaves the process as it was and says so: the profile still restricts
 * algorithms, but the module is not FIPS-validated.
 *
 * @example
 * ```ts
 * const m = enableFipsModule()
 * if (!m.fipsActive) console.error(`fips profile: ${m.detail}`)
 * ```
 */
export function enableFipsModule(): CryptoModuleState {
  enabled ??= turnOnFips()
  return enabled
}

// The first attempt's answer, for every later caller in the process (setFips is process-wide).
let enabled: CryptoModuleState | undefined

function turnOnFips(): CryptoModuleState {
  if (getFips() === 1 && approvedAlgorithmsWork())
    return {
      fipsActive: true,
      detail: `${openssl()} already runs with its FIPS provider (--enable-fips or openssl.cnf)`,
    }
  try {
    setFips(true)
  } catch (e) {
    return {
      fipsActive: false,
      detail: `${openssl()} refused crypto.setFips(true) (${(e as Error).message}): not a FIPS-validated module`,
    }
  }
  if (approvedAlgorithmsWork())
    return { fipsActive: true, detail: `${openssl()}: FIPS provider enabled by Keyward (crypto.setFips)` }
  setFips(false)
  return {
    fipsActive: false,
    detail: `${openssl()} has no FIPS provider (setFips left no working SHA-256, so it was turned back off): not a FIPS-validated module`,
  }
}
