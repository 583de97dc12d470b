import { Command } from 'commander'
import { responseError } from '../kms-transport.js'
import { parseKmsParams } from '../kms-params.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { EXIT_FAILURE } from '../cli-error.js'

const EXAMPLES = `
Parameters are the Tencent KMS API's, as tccli takes them (JSON for lists and objects, dotted names for nested
fields). Without --endpoint/--region the Action runs on the embedded KMS in $KEYWARD_HOME (the one \`keyward serve\`
serves); with them, on that endpoint using TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY.

Examples:
  keyward kms CreateKey --Alias test --KeyUsage ASYMMETRIC_SIGN_VERIFY_SM2
  keyward kms SignByAsymmetricKey --KeyId <id> --Algorithm SM2DSA --Message aGVsbG8= --MessageType RAW
  keyward kms Encrypt --KeyId <id> --Plaintext aGVsbG8= --endpoint 127.0.0.1:8300

Actions and parameters: https://cloud.tencent.com/document/api/573 (KMS API 2019-01-18); an unknown Action
answers InvalidAction.
`

/**
 * `keyward kms <Action> --<Param> <value> ...`: tccli's syntax; prints `{"Response": {...}}` as pretty JSON, or the
 * error code and message on stderr with exit status 1.
 */
export function kmsCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  return new Command('kms')
    .description('Run a Tencent KMS API Action (tccli kms syntax) on the embedded KMS or an endpoint')
    .argument('<Action>', 'Tencent KMS Action, e.g. CreateKey, Encrypt, SignByAsymmetricKey')
    .argument('[params...]', '--Name value pairs (Tencent API parameter names)')
    .allowUnknownOption()
    .addHelpText('after', EXAMPLES)
    .action(async (action: string, params: string[]) => {
      const request = parseKmsParams(params)
      await withSession(globals(), io, async (session) => {
        const envelope = await session.transport.call(action, request)
        const err = responseError(envelope)
        if (err) {
          io.err.write(`error: ${err.code}: ${err.message}${err.requestId ? ` (RequestId ${err.requestId})` : ''}\n`)
          setExit(EXIT_FAILURE)
          return
        }
        io.out.write(`${JSON.stringify(envelope, null, 2)}\n`)
      })
    })
}
