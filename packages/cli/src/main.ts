/** Entry point of the `keyward` binary (bin/keyward.js). */
import { runCli } from './program.js'

// A reader that goes away (`keyward kms help | head -3`) is not an error worth a stack trace: stop quietly with the
// status of a process killed by SIGPIPE, as other command-line tools end.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141)
    throw e
  })
}

process.exitCode = await runCli(process.argv.slice(2))
