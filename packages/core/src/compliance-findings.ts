import { KEY_USAGE_TABLE } from './algorithms.js'
import { complianceProfile, isCompliant } from './compliance-checks.js'
import type { ComplianceProfile, ComplianceProfileName } from './compliance-profiles.js'
import { requirementsOf, type ComplianceCheckId } from './compliance-requirements.js'
import type { KeyMetadata } from './key-metadata.js'
import type { KeyAdministration } from './key-administration.js'

/**
 * A compliance evaluation as data: the facts of a deployment (its keys, root key, server, audit log, module) in,
 * findings out, each tied to the check and the requirements it evidences. No I/O: the container (`checkCompliance`)
 * and `keyward compliance report` gather the facts.
 */

/**
 * `violation`: the profile is broken; `warning`: a weakness an assessor will ask about; `info`: stated for the record.
 */
export type FindingSeverity = 'violation' | 'warning' | 'info'

export interface ComplianceFinding {
  readonly check: ComplianceCheckId
  readonly severity: FindingSeverity
  /** What it is about: `key <KeyId> (<alias>)`, `root key`, `audit log`, ... */
  readonly subject: string
  readonly message: string
  /** What to do about it ('' for info). */
  readonly remedy: string
  readonly requirements: readonly string[]
}

/** One key as the report lists it. */
export interface KeyInventoryEntry
  extends Pick<
    KeyMetadata,
    | 'keyId'
    | 'keyUsage'
    | 'keySpec'
    | 'origin'
    | 'keyState'
    | 'keyRotationEnabled'
    | 'lastRotateTime'
    | 'rotateDays'
    | 'createTime'
    | 'keyVersionCount'
  > {
  /** The alias its owner gave it. */
  readonly alias: string
  /** Owning account (server homes), else ''. */
  readonly account: string
  /**
   * Where the material lives: `software, sealed under the root key`, `HSM token <label>`, `Tencent Cloud KMS <region>`.
   */
  readonly location: string
}

/** What a report knows about a deployment besides its keys; absent parts are reported as not examined. */
export interface DeploymentFacts {
  readonly keys: readonly KeyInventoryEntry[]
  /** `env`: KEYWARD_ROOT_KEY; `file`: a root.key outside the data directory; `home-file`: `<home>/root.key`. */
  readonly rootKey?: { readonly source: 'env' | 'file' | 'home-file' | 'hsm' | 'not-used'; readonly detail: string }
  readonly server?: { readonly tls: boolean; readonly host: string; readonly loopback: boolean }
  readonly audit?: {
    readonly ok: boolean
    readonly entries: number
    readonly reason?: string
    readonly hashes: Readonly<Record<string, number>>
    readonly checkpoint?: { readonly createdAt: string; readonly entries: number; readonly ok: boolean }
    /** LegacyDecrypt entries in the log. */
    readonly legacyDecrypts: number
  }
  readonly allowLegacyDecrypt: boolean
  readonly cryptoModule: { readonly fipsActive: boolean; readonly detail: string }
}

function finding(
  profile: ComplianceProfileName,
  check: ComplianceCheckId,
  severity: FindingSeverity,
  subject: string,
  message: string,
  remedy = '',
): ComplianceFinding {
  return { check, severity, subject, message, remedy, requirements: requirementsOf(check, profile) }
}

function keyName(k: KeyInventoryEntry): string {
  return `key ${k.keyId} (${k.alias || 'no alias'}${k.account ? `, account ${k.account}` : ''})`
}

function keyFindings(p: ComplianceProfile, k: KeyInventoryEntry): ComplianceFinding[] {
  const out: ComplianceFinding[] = []
  const allowed = isCompliant(p, 'keySpec', k.keySpec) && isCompliant(p, 'keyUsage', k.keyUsage)
  if (!allowed && k.keyState === 'PendingDelete') {
    out.push(
      finding(
        p.name,
        'key-algorithm',
        'info',
        keyName(k),
        `${k.keySpec} (${k.keyUsage}) is outside the ${p.name} profile and scheduled for deletion.`,
      ),
    )
  } else if (!allowed) {
    const symmetric = KEY_USAGE_TABLE[k.keyUsage].kind === 'symmetric'
    out.push(
      finding(
        p.name,
        'key-algorithm',
        'violation',
        keyName(k),
        `${k.keySpec} (${k.keyUsage}, ${k.keyState}) is not allowed by the ${p.name} profile; every use of it is refused.`,
        symmetric
          ? `Create an ${p.defaults.symmetricKeySpec} key, move the data with ReEncrypt (allowLegacyDecrypt on during the migration), then DisableKey and ScheduleKeyDeletion.`
          : `Create a key of ${p.alternatives.keyUsage}, re-issue what depends on this key, then DisableKey and ScheduleKeyDeletion.`,
      ),
    )
  }
  if (
    allowed &&
    k.keyState === 'Enabled' &&
    KEY_USAGE_TABLE[k.keyUsage].kind === 'symmetric' &&
    k.origin !== 'EXTERNAL' &&
    !k.keyRotationEnabled
  ) {
    out.push(
      finding(
        p.name,
        'key-rotation',
        'warning',
        keyName(k),
        'Automatic rotation is off.',
        'EnableKeyRotation (RotateDays 7-365), or record the manual update procedure.',
      ),
    )
  }
  return out
}

/**
 * The findings of `facts` under `profile`, violations first.
 *
 * @example
 * ```ts
 * const cryptoModule = { fipsActive: false, detail: 'OpenSSL 3.0' }
 * const findings = evaluateCompliance('gm', { keys, allowLegacyDecrypt: false, cryptoModule })
 * const violations = findings.filter((f) => f.severity === 'violation')
 * ```
 */
export function evaluateCompliance(profileName: ComplianceProfileName, facts: DeploymentFacts): ComplianceFinding[] {
  const p = complianceProfile(profileName)
  const n = p.name
  const out: ComplianceFinding[] = facts.keys.flatMap((k) => keyFindings(p, k))
  const byLocation = new Map<string, number>()
  for (const k of facts.keys) byLocation.set(k.location, (byLocation.get(k.location) ?? 0) + 1)
  for (const [where, count] of byLocation)
    out.push(finding(n, 'key-storage', 'info', 'key material', `${count} key${count === 1 ? '' : 's'}: ${where}.`))
  const r = facts.rootKey
  if (r?.source === 'home-file') {
    out.push(
      finding(
        n,
        'root-key',
        'warning',
        'root key',
        `The root key that seals software keys is ${r.detail}, in the data directory it protects: a copy of the directory is a copy of every key.`,
        'Give it through KEYWARD_ROOT_KEY from a secret manager, or keep keys in an HSM (provider pkcs11).',
      ),
    )
  } else if (r) {
    out.push(finding(n, 'root-key', 'info', 'root key', `Root key source: ${r.detail}.`))
  }
  const s = facts.server
  if (s && !s.tls && !s.loopback) {
    out.push(
      finding(
        n,
        'transport',
        'violation',
        'keyward serve',
        `The server is configured for plain HTTP on ${s.host}: plaintexts and data keys cross the network unprotected.`,
        'Configure server.tls (certFile, keyFile; clientCaFile for mutual TLS) and turn insecureHttp off.',
      ),
    )
  } else if (s) {
    out.push(
      finding(
        n,
        'transport',
        'info',
        'keyward serve',
        s.tls ? `TLS is configured for ${s.host}.` : `Plain HTTP on loopback (${s.host}) only.`,
      ),
    )
  }
  const a = facts.audit
  if (a) {
    const hashes =
      Object.entries(a.hashes)
        .filter(([, c]) => c > 0)
        .map(([h, c]) => `${c} ${h}`)
        .join(', ') || 'none'
    if (!a.ok)
      out.push(
        finding(
          n,
          'audit-chain',
          'violation',
          'audit log',
          `The audit log does not verify: ${a.reason ?? 'unknown reason'}.`,
          'Restore the store from a backup and investigate who changed it (keyward audit verify names the entry).',
        ),
      )
    else
      out.push(
        finding(
          n,
          'audit-chain',
          'info',
          'audit log',
          `${a.entries} entries verify (hash chain and keyed MAC); entries by hash: ${hashes}.`,
        ),
      )
    if (n !== 'none' && a.ok && (a.hashes[p.defaults.hash] ?? 0) === 0 && a.entries > 0) {
      out.push(
        finding(
          n,
          'audit-chain',
          'warning',
          'audit log',
          `No entry is chained with ${p.defaults.hash} yet: the server has not run under the ${n} profile.`,
          `Run keyward serve (or keyward kms) with compliance ${n}.`,
        ),
      )
    }
    if (!a.checkpoint)
      out.push(
        finding(
          n,
          'audit-checkpoint',
          'warning',
          'audit log',
          'No checkpoint was given: a log rewritten by someone holding the root key cannot be told from the original.',
          'Keep `keyward audit checkpoint` output outside the database and pass it with --checkpoint.',
        ),
      )
    else if (!a.checkpoint.ok)
      out.push(
        finding(
          n,
          'audit-checkpoint',
          'violation',
          'audit log',
          `The log no longer extends the checkpoint of ${a.checkpoint.createdAt} (${a.checkpoint.entries} entries).`,
          'Investigate: entries were removed or the log was rewritten.',
        ),
      )
    else
      out.push(
        finding(
          n,
          'audit-checkpoint',
          'info',
          'audit log',
          `The log extends the checkpoint of ${a.checkpoint.createdAt} (${a.checkpoint.entries} entries).`,
        ),
      )
    if (a.legacyDecrypts > 0)
      out.push(
        finding(
          n,
          'legacy-decrypt',
          'info',
          'audit log',
          `${a.legacyDecrypts} legacy decryptions are recorded (LegacyDecrypt entries).`,
        ),
      )
  }
  if (facts.allowLegacyDecrypt && n !== 'none') {
    out.push(
      finding(
        n,
        'legacy-decrypt',
        'warning',
        'configuration',
        `allowLegacyDecrypt is on: data made with algorithms outside ${n} still decrypts (each use audited).`,
        'Turn it off once the migration is done.',
      ),
    )
  }
  if (n === 'fips') {
    out.push(
      facts.cryptoModule.fipsActive
        ? finding(
            n,
            'crypto-module',
            'info',
            'crypto module',
            `Node's OpenSSL runs with its FIPS provider enabled: ${facts.cryptoModule.detail}.`,
          )
        : finding(
            n,
            'crypto-module',
            'warning',
            'crypto module',
            `This deployment is NOT FIPS-validated: ${facts.cryptoModule.detail}. The profile restricts algorithms to FIPS-approved ones, which is not the same as a validated module.`,
            'Run Node with an OpenSSL FIPS provider (a validated build) installed and configured, or keep keys in a FIPS 140-3 validated HSM.',
          ),
    )
  } else if (n === 'gm') {
    out.push(
      finding(
        n,
        'crypto-module',
        'info',
        'crypto module',
        `Software cryptography runs in Node's OpenSSL and @keyward/gm (${facts.cryptoModule.detail}), neither a module certified by the 国家密码管理局; level 3 expects keys in a certified module (provider pkcs11 with a certified HSM).`,
      ),
    )
  }
  const order: Record<FindingSeverity, number> = { violation: 0, warning: 1, info: 2 }
  return out.sort((x, y) => order[x.severity] - order[y.severity])
}

/** A key's inventory row. */
export function inventoryEntry(k: KeyMetadata, location: string, account = '', alias = k.alias): KeyInventoryEntry {
  return {
    keyId: k.keyId,
    alias,
    account,
    keyUsage: k.keyUsage,
    keySpec: k.keySpec,
    origin: k.origin,
    keyState: k.keyState,
    keyRotationEnabled: k.keyRotationEnabled,
    lastRotateTime: k.lastRotateTime,
    rotateDays: k.rotateDays,
    createTime: k.createTime,
    keyVersionCount: k.keyVersionCount,
    location,
  }
}

/** Every key of `provider`, all pages of ListKeys. */
export async function listAllKeys(provider: Pick<KeyAdministration, 'listKeys'>): Promise<KeyMetadata[]> {
  const out: KeyMetadata[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await provider.listKeys({ offset, limit: 1000 })
    out.push(...page.keys)
    if (page.keys.length < 1000 || out.length >= page.totalCount) return out
  }
}
