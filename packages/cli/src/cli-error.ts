import { CommanderError } from 'commander'
import { isKeywardError } from '@keyward/core'

/** Exit status of a failed command (API error, bad value, failed verification). */
export const EXIT_FAILURE = 1
/** Exit status of a command line commander could not parse. */
export const EXIT_USAGE = 2

/**
 * Prints what went wrong as `error: <Code>: <message>` and returns the exit status. Unknown errors print their
 * message only: a stack trace would be noise to the operator, and never carries secrets we chose to show.
 */
export function reportError(e: unknown, err: { write(text: string): unknown }): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE // commander already printed it
  if (isKeywardError(e)) {
    err.write(`error: ${e.code}: ${e.message}${e.requestId ? ` (RequestId ${e.requestId})` : ''}\n`)
    return EXIT_FAILURE
  }
  err.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  return EXIT_FAILURE
}
