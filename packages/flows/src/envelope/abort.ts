import { KeywardError } from '@keyward/core'

/** The error of a caller's abort: FailedOperation.Aborted, with the signal's reason as its cause. */
export function abortedError(signal: AbortSignal | undefined): KeywardError {
  return new KeywardError('FailedOperation.Aborted', 'The operation was aborted.', { cause: signal?.reason })
}

/** Throws FailedOperation.Aborted once `signal` fired; streams check it between frames. */
export function checkNotAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal)
}
