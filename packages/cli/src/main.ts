/** Entry point of the `keyward` binary (bin/keyward.js). */
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv.slice(2))
