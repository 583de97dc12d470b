/**
 * @packageDocumentation
 * `keyward`: the Tencent KMS API from the command line with tccli's syntax and output (`keyward kms <Action>
 * --Param v`) on the embedded KMS in $KEYWARD_HOME or, when named explicitly, any endpoint, plus file commands
 * (envelope encrypt/decrypt, sign/verify of any size, BYOK import), `keyward audit verify` and `keyward serve`.
 *
 * @example
 * ```ts
 * import { runCli } from '@keyward/cli'
 * process.exitCode = await runCli(['kms', 'CreateKey', '--Alias', 'test', '--KeyUsage', 'ASYMMETRIC_SIGN_VERIFY_SM2'])
 * ```
 */
export { runCli, buildProgram } from './program.js'
export { runKms, KMS_API_VERSION } from './commands/kms-command.js'
export { splitKmsArgv, type KmsArgv, type RawParam } from './kms/kms-argv.js'
export { buildRequest, type Json } from './kms/request-params.js'
export { formatResponse, compileFilter, type OutputFormat } from './kms/output/format-output.js'
export { TCCLI_GLOBAL_OPTIONS, KEYWARD_KMS_OPTIONS, type GlobalOptionSpec, type Support } from './kms/global-options.js'
export {
  CliSession,
  resolveConfig,
  resolveTarget,
  withSession,
  type CliIo,
  type GlobalOptions,
  type Target,
} from './cli-session.js'
export type { KmsEnvelope, KmsTransport } from './kms-transport.js'
export { RemoteTransport } from './remote-transport.js'
export { writeAtomically } from './atomic-output.js'
