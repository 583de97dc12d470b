/**
 * @packageDocumentation
 * `keyward`: the Tencent KMS API from the command line with tccli's syntax (`keyward kms <Action> --Param v`) on
 * the embedded KMS in $KEYWARD_HOME or any endpoint, plus file commands (envelope encrypt/decrypt, sign/verify of
 * any size, BYOK import), `keyward audit verify` and `keyward serve`.
 *
 * @example
 * ```ts
 * import { runCli } from '@keyward/cli'
 * process.exitCode = await runCli(['kms', 'CreateKey', '--Alias', 'test', '--KeyUsage', 'ASYMMETRIC_SIGN_VERIFY_SM2'])
 * ```
 */
export { runCli, buildProgram } from './program.js'
export { parseKmsParams, NUMERIC_PARAMS, LIST_PARAMS, JSON_TEXT_PARAMS } from './kms-params.js'
export { CliSession, resolveConfig, withSession, type CliIo, type GlobalOptions } from './cli-session.js'
export type { KmsEnvelope, KmsTransport } from './kms-transport.js'
export { LocalTransport } from './local-transport.js'
export { RemoteTransport } from './remote-transport.js'
export { writeAtomically } from './atomic-output.js'
