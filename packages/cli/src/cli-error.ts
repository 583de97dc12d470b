import { CommanderError } from 'commander'
import { KeywardError, isKeywardError, type KeywardErrorCode } from '@keyward/core'

/** Exit status of a failed command (API error, failed verification, missing file, tampered data). */
export const EXIT_FAILURE = 1
/** Exit status of a command line that does not parse: unknown option or parameter, a value of the wrong shape. */
export const EXIT_USAGE = 2

/**
 * A command line that does not parse (exit 2), as opposed to a command that ran and failed (exit 1). Raised before
 * anything is sent or written.
 */
export class UsageError extends KeywardError {
  constructor(code: KeywardErrorCode, message: string) {
    super(code, message)
  }
}

/**
 * Runs the checks of command-line values: any KeywardError they throw (a bad KeyId, a malformed context, a date in
 * the past) becomes a {@link UsageError}, so that every bad command line exits 2.
 *
 * @example
 * ```ts
 * const context = checkingArgs(() => encryptionContextOf(o.context))
 * ```
 */
export function checkingArgs<T>(check: () => T): T {
  try {
    return check()
  } catch (e) {
    if (isKeywardError(e) && !(e instanceof UsageError)) throw new UsageError(e.code, e.message)
    throw e
  }
}

/** The async form of {@link checkingArgs}. */
export async function checkingArgsAsync<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check()
  } catch (e) {
    if (isKeywardError(e) && !(e instanceof UsageError)) throw new UsageError(e.code, e.message)
    throw e
  }
}

/**
 * Prints what went wrong as `error: <Code>: <message>` and returns the exit status. Unknown errors print their
 * message only: a stack trace would be noise to the operator, and never carries secrets we chose to show.
 */
export function reportError(e: unknown, err: { write(text: string): unknown }): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE // commander already printed it
  if (isKeywardError(e)) {
    err.write(`error: ${e.code}: ${e.message}${e.requestId ? ` (RequestId ${e.requestId})` : ''}\n`)
    return e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE
  }
  err.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  return EXIT_FAILURE
}

/**
 * An API error as tccli prints it (the Python SDK's TencentCloudSDKException), so scripts that grep tccli's
 * stderr for `code:` keep working.
 */
export function tccliErrorLine(code: string, message: string, requestId: string): string {
  return `[TencentCloudSDKException] code:${code} message:${message} requestId:${requestId}\n`
}
