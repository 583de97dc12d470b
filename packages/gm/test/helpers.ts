import { KeywardError } from '@keyward/core'

/** The KeywardError code `fn` throws, 'not-keyward' for another error, undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof KeywardError ? e.code : 'not-keyward'
  }
  return undefined
}
