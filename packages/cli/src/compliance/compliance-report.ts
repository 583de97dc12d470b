import {
  COMPLIANCE_CHECK_IDS,
  COMPLIANCE_CHECKS,
  complianceProfile,
  requirementsOf,
  type ComplianceFinding,
  type ComplianceProfileName,
  type DeploymentFacts,
  type KeyInventoryEntry,
} from '@keyward/core'

/** What `keyward compliance report` prints (as JSON, or rendered as Markdown). */
export interface ComplianceReport {
  readonly type: 'keyward-compliance-report'
  readonly version: 1
  readonly generatedAt: string
  readonly profile: { readonly name: ComplianceProfileName; readonly title: string }
  readonly home: string
  readonly provider: string
  readonly summary: {
    readonly violations: number
    readonly warnings: number
    readonly info: number
    readonly keys: number
    readonly accounts: number
  }
  readonly keys: readonly KeyInventoryEntry[]
  readonly deployment: Omit<DeploymentFacts, 'keys'>
  readonly findings: readonly ComplianceFinding[]
  readonly requirements: ReadonlyArray<{
    readonly check: string
    readonly title: string
    readonly requirements: readonly string[]
  }>
  readonly limitations: readonly string[]
}

/** What no report of Keyward can prove, said in every one. */
export function limitationsOf(profile: ComplianceProfileName): string[] {
  const out = [
    'This report is evidence for an assessment, not a certification: it replaces neither a 商用密码应用安全性评估 (GB/T 39786 assessment) nor a CMVP validation.',
    'It lists the keys Keyward manages in this data directory; keys made in the same HSM, Tencent Cloud account or database by other tools are not seen.',
    'It cannot show what applications did with plaintext data keys, nor that every application uses Keyward for all of its cryptography.',
    'The audit log is verified against the root key: someone holding the root key could rewrite it undetected unless it is checked against a checkpoint kept elsewhere (--checkpoint).',
    'It is a snapshot of the moment it was generated; configuration and keys can change afterwards.',
    'Physical and environment, network, device, management, personnel, construction and emergency requirements are outside what software can report.',
  ]
  if (profile === 'gm') {
    out.push(
      'keyward serve speaks standard TLS, not GM/T 0024 TLCP: 网络和通信安全 with SM algorithms needs a TLCP gateway in front of it.',
    )
    out.push(
      "Software keys use Node's OpenSSL and @keyward/gm, which are not modules certified by the 国家密码管理局; level 3 expects keys in a certified cryptographic module (an HSM through the pkcs11 provider).",
    )
  }
  if (profile === 'fips')
    out.push(
      'Restricting algorithms to FIPS-approved ones is not FIPS validation: only a CMVP-validated module (a FIPS build of OpenSSL with its provider on, or a validated HSM) is.',
    )
  return out
}

/** Assembles the report from the facts and the findings. */
export function buildReport(o: {
  profile: ComplianceProfileName
  home: string
  provider: string
  accounts: number
  facts: DeploymentFacts
  findings: readonly ComplianceFinding[]
  now?: Date
}): ComplianceReport {
  const p = complianceProfile(o.profile)
  const count = (s: ComplianceFinding['severity']): number => o.findings.filter((f) => f.severity === s).length
  const { keys, ...deployment } = o.facts
  return {
    type: 'keyward-compliance-report',
    version: 1,
    generatedAt: (o.now ?? new Date()).toISOString(),
    profile: { name: p.name, title: p.title },
    home: o.home,
    provider: o.provider,
    summary: {
      violations: count('violation'),
      warnings: count('warning'),
      info: count('info'),
      keys: keys.length,
      accounts: o.accounts,
    },
    keys,
    deployment,
    findings: o.findings,
    requirements:
      p.name === 'none'
        ? []
        : COMPLIANCE_CHECK_IDS.map((c) => ({
            check: c,
            title: COMPLIANCE_CHECKS[c].title,
            requirements: requirementsOf(c, p.name),
          })),
    limitations: limitationsOf(p.name),
  }
}
