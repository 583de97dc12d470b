import {
  complianceRefusal,
  effectiveCompliance,
  isCompliant,
  requireCompliant,
  type ComplianceProfileName,
  type EffectiveCompliance,
} from '@keyward/core'
import { AsymmetricMasterKey } from './asymmetric-master-key.js'
import type { ParsedHeader } from './header-format.js'
import type { HeaderSigner } from './header-signer.js'
import type { MasterKey } from './master-key.js'
import { RawAesMasterKey } from './raw-aes-master-key.js'
import { SUITE_NAMES, type SuiteName } from './suites.js'

/** What a compliance profile sets on an envelope client. */
export interface EnvelopeCompliance {
  readonly compliance: EffectiveCompliance
  /** The client's allowedSuites under the profile (undefined: the caller's, no profile). */
  readonly allowedSuites: readonly SuiteName[] | undefined
  /** The suite new messages use when the caller names none. */
  readonly defaultSuite: SuiteName | undefined
  /** Refuses, the moment its id is read, a message in a suite the profile forbids (unless legacy decryption is on). */
  readonly checkSuite: ((suite: SuiteName) => void) | undefined
  /** Before any key is called: refuses a forbidden header signature, records a legacy suite or signature. */
  readonly beforeKeys: ((h: ParsedHeader) => Promise<void>) | undefined
}

/** The options of EnvelopeClient a profile rules on. */
export interface EnvelopeComplianceInput {
  readonly suite?: SuiteName | undefined
  readonly allowedSuites?: readonly SuiteName[] | undefined
  readonly signer?: HeaderSigner | undefined
  /** Tightens the profile of the process and of the master keys' providers (never loosens it). */
  readonly compliance?: ComplianceProfileName | undefined
}

/** Master keys that wrap data keys locally: their algorithm must be the profile's too. */
function checkMasterKey(c: EffectiveCompliance, m: MasterKey): void {
  if (m instanceof RawAesMasterKey)
    requireCompliant(c.profile, 'blobCipher', 'AES-256-GCM', `RawAesMasterKey ${m.keyId}`)
  if (m instanceof AsymmetricMasterKey)
    requireCompliant(c.profile, 'encryptionAlgorithm', m.algorithm, `AsymmetricMasterKey ${m.keyId}`)
}

/**
 * The compliance profile of an envelope client — the process's, its master keys' providers', or its own
 * `compliance` option, whichever is strictest — as the client's settings: under gm only SM4_GCM_HKDF_SM3_COMMIT is
 * written (the default) and read, header signatures are SM2 only, and local AES or RSA master keys are refused.
 * With a provider's allowLegacyDecrypt, other suites and signatures still decrypt, each message audited through
 * that provider before any key is called.
 */
export function envelopeCompliance(
  masterKeys: readonly MasterKey[],
  opts: EnvelopeComplianceInput,
): EnvelopeCompliance {
  const c = effectiveCompliance(masterKeys, opts.compliance)
  const p = c.profile
  if (p.name === 'none')
    return {
      compliance: c,
      allowedSuites: opts.allowedSuites,
      defaultSuite: undefined,
      checkSuite: undefined,
      beforeKeys: undefined,
    }
  for (const m of masterKeys) checkMasterKey(c, m)
  if (opts.suite !== undefined) requireCompliant(p, 'envelopeSuite', opts.suite, 'EnvelopeClient suite')
  if (opts.signer !== undefined) requireCompliant(p, 'signAlgorithm', opts.signer.algorithm, 'EnvelopeClient signer')
  const own = opts.allowedSuites ?? SUITE_NAMES
  const allowed = c.allowLegacyDecrypt ? own : own.filter((s) => isCompliant(p, 'envelopeSuite', s))
  if (allowed.length === 0) throw complianceRefusal(p, 'envelopeSuite', own.join(', '), 'allowedSuites')
  return {
    compliance: c,
    allowedSuites: allowed,
    defaultSuite: p.defaults.envelopeSuite,
    checkSuite: c.allowLegacyDecrypt
      ? undefined
      : (suite) => requireCompliant(p, 'envelopeSuite', suite, 'decrypting an envelope message'),
    async beforeKeys(h) {
      const keyId = h.encryptedDataKeys[0]?.keyId ?? ''
      if (h.signatureAlgorithm && !isCompliant(p, 'signAlgorithm', h.signatureAlgorithm)) {
        if (!c.allowLegacyDecrypt)
          requireCompliant(p, 'signAlgorithm', h.signatureAlgorithm, "an envelope message's header signature")
        await c.recordLegacyDecrypt({ action: 'EnvelopeDecrypt', keyId, algorithm: h.signatureAlgorithm })
      }
      if (!isCompliant(p, 'envelopeSuite', h.suite.name))
        await c.recordLegacyDecrypt({ action: 'EnvelopeDecrypt', keyId, algorithm: h.suite.name })
    },
  }
}
