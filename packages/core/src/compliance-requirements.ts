import type { ComplianceProfileName } from './compliance-profiles.js'

/**
 * What each check of a compliance report is evidence for, per profile: GB/T 39786-2021 level 3 (第三级) for `gm`,
 * FIPS 140-3 and the NIST publications it rests on for `fips`. This is Keyward's reading of those documents, for an
 * assessor to confirm; a report is evidence for an assessment, never a certification.
 */

/** The checks a report runs. */
export const COMPLIANCE_CHECK_IDS = [
  'key-algorithm',
  'key-rotation',
  'key-storage',
  'root-key',
  'transport',
  'audit-chain',
  'audit-checkpoint',
  'legacy-decrypt',
  'crypto-module',
] as const
export type ComplianceCheckId = (typeof COMPLIANCE_CHECK_IDS)[number]

/** One check: its title and the requirements it evidences under each profile. */
export interface ComplianceCheckInfo {
  readonly title: string
  readonly requirements: Readonly<Record<Exclude<ComplianceProfileName, 'none'>, readonly string[]>>
}

const GM = 'GB/T 39786-2021'

/** The requirement map, as data (the report prints it next to every finding). */
export const COMPLIANCE_CHECKS: Readonly<Record<ComplianceCheckId, ComplianceCheckInfo>> = {
  'key-algorithm': {
    title: 'Every key and operation uses an algorithm of the profile',
    requirements: {
      gm: [
        `${GM} §5 通用要求 (algorithms per national standards: SM2/SM3/SM4)`,
        `${GM} §8.4 应用和数据安全 (重要数据存储机密性与完整性, level 3)`,
      ],
      fips: [
        'FIPS 140-3 / SP 800-140C approved security functions',
        'SP 800-131A Rev. 2 transitions (key lengths, PKCS#1 v1.5 key transport)',
      ],
    },
  },
  'key-rotation': {
    title: 'Symmetric keys are updated (rotation)',
    requirements: {
      gm: [`${GM} key management: 密钥更新 (key update) in the key lifecycle`],
      fips: ['SP 800-57 Part 1 Rev. 5 §5.3 cryptoperiods'],
    },
  },
  'key-storage': {
    title: 'Where key material lives and what protects it',
    requirements: {
      gm: [`${GM} key management: 密钥存储 (keys stored protected, in a certified cryptographic module at level 3)`],
      fips: ['FIPS 140-3 (ISO/IEC 19790 §7.9) sensitive security parameter management'],
    },
  },
  'root-key': {
    title: 'The root key that seals software keys is kept apart from the data',
    requirements: {
      gm: [`${GM} key management: 密钥存储 and 密钥分发 (the key-encrypting key is not stored with what it protects)`],
      fips: ['FIPS 140-3 (ISO/IEC 19790 §7.9.7) SSP entry and output; SP 800-57 Part 1 §6.2 key protection'],
    },
  },
  transport: {
    title: 'Requests to keyward serve are protected on the wire',
    requirements: {
      gm: [`${GM} §8.2 网络和通信安全 (通信数据机密性与完整性; TLS here is not GM/T 0024 TLCP)`],
      fips: ['SP 800-52 Rev. 2 (TLS configuration)'],
    },
  },
  'audit-chain': {
    title: 'The audit log is complete and unaltered (hash chain and keyed MAC)',
    requirements: {
      gm: [`${GM} §8.3 设备和计算安全 (日志记录完整性, level 3)`, 'chain and MAC with SM3 / HMAC-SM3 under gm'],
      fips: ['not a FIPS 140-3 module requirement: operational evidence (SP 800-53 AU-9, AU-10)'],
    },
  },
  'audit-checkpoint': {
    title: 'The audit log extends a checkpoint kept outside the database',
    requirements: {
      gm: [`${GM} §8.3 设备和计算安全 (日志记录完整性): detects a rewrite by someone holding the root key`],
      fips: ['operational evidence (SP 800-53 AU-9(4))'],
    },
  },
  'legacy-decrypt': {
    title: 'Legacy (non-profile) decryption is off, or every use is audited',
    requirements: {
      gm: [`${GM} §8.4 应用和数据安全: migration of data protected with non-SM algorithms`],
      fips: ['SP 800-131A Rev. 2: legacy use for processing already-protected data only'],
    },
  },
  'crypto-module': {
    title: 'The cryptographic module and its validation status',
    requirements: {
      gm: [`${GM} §5 通用要求 (密码产品: a module certified by the 国家密码管理局 at level 3)`],
      fips: ['FIPS 140-3 CMVP validation of the module that performs the cryptography'],
    },
  },
}

/** The requirements a check evidences under `profile` (none for the `none` profile). */
export function requirementsOf(check: ComplianceCheckId, profile: ComplianceProfileName): readonly string[] {
  return profile === 'none' ? [] : COMPLIANCE_CHECKS[check].requirements[profile]
}
