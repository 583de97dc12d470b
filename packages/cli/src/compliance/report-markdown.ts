import type { ComplianceReport } from './compliance-report.js'

/** A table cell: no pipes or line breaks inside. */
const cell = (v: unknown): string => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ')

function table(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ]
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

const date = (unix: number): string => (unix > 0 ? new Date(unix * 1000).toISOString().slice(0, 10) : '-')

/** The report as Markdown, for an assessor: summary, findings, keys, deployment, requirement map, limits. */
export function reportMarkdown(r: ComplianceReport): string {
  const d = r.deployment
  const findings = r.findings.filter((f) => f.severity !== 'info')
  const lines = [
    `# Keyward compliance report — ${r.profile.name} (${r.profile.title})`,
    '',
    `Generated ${r.generatedAt} for \`${r.home}\` (provider ${r.provider}): ${plural(r.summary.keys, 'key')} in ${plural(r.summary.accounts, 'account')}; ` +
      `**${plural(r.summary.violations, 'violation')}**, ${plural(r.summary.warnings, 'warning')}.`,
    '',
    '## Findings',
    '',
    ...(findings.length === 0
      ? ['No violations or warnings.']
      : table(
          ['Severity', 'Check', 'Subject', 'Finding', 'What to do', 'Evidence for'],
          findings.map((f) => [f.severity, f.check, f.subject, f.message, f.remedy, f.requirements.join('; ') || '-']),
        )),
    '',
    '## Keys',
    '',
    ...table(
      ['KeyId', 'Alias', 'Account', 'Usage', 'Spec', 'Origin', 'State', 'Rotation', 'Last rotation', 'Material'],
      r.keys.map((k) => [
        k.keyId,
        k.alias,
        k.account || '-',
        k.keyUsage,
        k.keySpec,
        k.origin,
        k.keyState,
        k.keyRotationEnabled ? `every ${k.rotateDays} d` : 'off',
        date(k.lastRotateTime),
        k.location,
      ]),
    ),
    '',
    '## Deployment',
    '',
    `- Root key: ${d.rootKey?.detail ?? 'not examined'}`,
    `- keyward serve: ${d.server ? `${d.server.tls ? 'TLS' : 'plain HTTP'} on ${d.server.host}` : 'not examined'}`,
    `- Audit log: ${
      d.audit
        ? `${d.audit.ok ? 'verifies' : `BROKEN (${d.audit.reason ?? ''})`}, ${d.audit.entries} entries (${Object.entries(
            d.audit.hashes,
          )
            .map(([h, n]) => `${n} ${h}`)
            .join(', ')}); ` +
          `checkpoint: ${d.audit.checkpoint ? `${d.audit.checkpoint.createdAt} (${d.audit.checkpoint.ok ? 'extended' : 'NOT extended'})` : 'none given'}; legacy decryptions: ${d.audit.legacyDecrypts}`
        : 'not examined'
    }`,
    `- allowLegacyDecrypt: ${d.allowLegacyDecrypt ? 'ON' : 'off'}`,
    `- Crypto module: ${d.cryptoModule.detail}${d.cryptoModule.fipsActive ? ' (FIPS provider on)' : ''}`,
    '',
  ]
  if (r.requirements.length > 0) {
    lines.push(
      '## What each check evidences',
      '',
      ...table(
        ['Check', 'What it shows', 'Requirement'],
        r.requirements.map((q) => [q.check, q.title, q.requirements.join('; ')]),
      ),
      '',
    )
  }
  lines.push('## What this report cannot prove', '', ...r.limitations.map((l) => `- ${l}`), '')
  return lines.join('\n')
}
