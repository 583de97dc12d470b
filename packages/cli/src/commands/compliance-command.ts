import { Command, Option } from 'commander'
import { evaluateCompliance, type ComplianceProfileName, type DeploymentFacts, type KeyProvider } from '@keyward/core'
import type { KeywardConfig } from '@keyward/container'
import { EXIT_FAILURE, UsageError } from '../cli-error.js'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'
import { buildReport } from '../compliance/compliance-report.js'
import { checkpointText } from './audit-command.js'
import { reportMarkdown } from '../compliance/report-markdown.js'

interface ReportFlags {
  profile?: string
  output: 'json' | 'md'
  checkpoint?: string
}

/** The root key of the embedded KMS: KEYWARD_ROOT_KEY, else `<home>/root.key` (as keyward serve reads it). */
function kmsRootKey(config: KeywardConfig): NonNullable<DeploymentFacts['rootKey']> {
  const keys =
    config.provider === 'software'
      ? 'seals every key'
      : `seals account SecretKeys and the audit MAC key; keys are in ${config.provider}`
  if (process.env['KEYWARD_ROOT_KEY']) return { source: 'env', detail: `KEYWARD_ROOT_KEY (environment; ${keys})` }
  return { source: 'home-file', detail: `the file ${config.home}/root.key (${keys})` }
}

async function configuredProvider(config: KeywardConfig): Promise<KeyProvider | undefined> {
  if (config.provider === 'software') return undefined
  const { KeyProvider: KeyProviderToken, createKeywardContainer } = await import('@keyward/container')
  return (await createKeywardContainer(config)).getAsync<KeyProvider>(KeyProviderToken)
}

/**
 * `keyward compliance report`: every key of every account in the data directory (usage, spec, origin, where its
 * material lives, rotation, state), the root key's source, TLS, the audit log's state, the crypto module — and
 * every violation of the profile with what to do about it and the requirement it bears on. Exit 1 when there is a
 * violation. Reads the directory; writes nothing to it.
 */
export function complianceCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  const compliance = new Command('compliance').description(
    'Compliance profiles (gm, fips): what a deployment uses, for operators and assessors',
  )
  compliance
    .command('report')
    .description(
      'Report every key, the root key, TLS, the audit log and every violation of a compliance profile (exit 1 on a violation)',
    )
    .option('--profile <profile>', 'gm, fips or none (default: the configured compliance profile)')
    .addOption(new Option('--output <format>', 'md (default) or json').choices(['md', 'json']).default('md'))
    .option('--checkpoint <file>', 'an audit checkpoint (keyward audit checkpoint) the log must still extend')
    .addHelpText(
      'after',
      '\nExamples:\n  keyward compliance report --profile gm > report.md\n  keyward compliance report --profile fips --output json --checkpoint /secure/audit-2025-01-01.json',
    )
    .action(async (o: ReportFlags) => {
      const g = globals()
      if (g.endpoint !== undefined || g.region !== undefined) {
        throw new UsageError(
          'InvalidParameter',
          "compliance report reads a data directory (--home); for a remote keyward serve, run it on that server's host.",
        )
      }
      // Commander gives `--profile` to the root program (tccli's profile option, taken anywhere on the line).
      const profile = o.profile ?? g.profile
      if (profile !== undefined && !['none', 'gm', 'fips'].includes(profile))
        throw new UsageError(
          'InvalidParameterValue',
          `--profile ${JSON.stringify(profile)}: expected gm, fips or none.`,
        )
      const config = await resolveConfig({ ...g, profile: undefined, endpoint: undefined, region: undefined })
      const name = (profile ?? config.compliance) as ComplianceProfileName
      const checkpoint = o.checkpoint === undefined ? undefined : checkpointText(o.checkpoint)
      const { cryptoModuleState, enableFipsModule, keyLocation } = await import('@keyward/container')
      const { inventoryHome, isLoopbackHost } = await import('@keyward/server')
      const provider = await configuredProvider(config)
      try {
        const inv = await inventoryHome({
          home: config.home,
          location: keyLocation(config),
          ...(provider ? { provider } : {}),
          ...(checkpoint ? { checkpoint } : {}),
        })
        const facts: DeploymentFacts = {
          keys: inv.keys,
          rootKey: kmsRootKey(config),
          server: {
            tls: config.server.tls !== undefined,
            host: config.server.host,
            loopback: isLoopbackHost(config.server.host),
          },
          audit: inv.audit,
          allowLegacyDecrypt: config.allowLegacyDecrypt,
          // Under fips, what a keyward of this configuration runs with: the FIPS provider on when Node has one.
          cryptoModule: name === 'fips' ? enableFipsModule() : cryptoModuleState(),
        }
        const findings = evaluateCompliance(name, facts)
        const report = buildReport({
          profile: name,
          home: config.home,
          provider: config.provider,
          accounts: inv.accounts,
          facts,
          findings,
        })
        io.out.write(o.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportMarkdown(report))
        if (report.summary.violations > 0) setExit(EXIT_FAILURE)
      } finally {
        await provider?.close()
      }
    })
  return compliance
}
