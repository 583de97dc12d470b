import { isKeywardError, unixSeconds, type KeyAdministration } from '@keyward/core'
import type { ServerServices } from './request-context.js'

/** What a sweep uses: the server's store and clock, and of the provider only DescribeKey. */
export type SweepServices = Pick<ServerServices, 'store' | 'clock'> & {
  provider: Pick<KeyAdministration, 'describeKey'>
}

/** How often a server looks for keys whose deletion window ended (ms). */
export const DEFAULT_DELETION_SWEEP_MS = 60_000

/**
 * Retires keys whose deletion window is over: asks the provider for each (which purges a due key and answers
 * CmkNotFound), then retires it in the server's store in one transaction — tombstone, grants, tags and policy
 * references. Grants thus die within one sweep interval of the purge even when no request names the key again
 * (a request that meets the missing key retires it at once, see ActionDispatcher). Returns the KeyIds retired.
 */
export async function sweepDeletedKeys(services: SweepServices): Promise<string[]> {
  const now = unixSeconds(services.clock)
  const retired: string[] = []
  for (const { keyId } of await services.store.pendingDeletions.due(now)) {
    try {
      const meta = await services.provider.describeKey(keyId)
      // Still there: the deletion was cancelled behind the server's back (another process): stop watching it.
      if (meta.keyState !== 'PendingDelete') await services.store.pendingDeletions.cancel(keyId)
    } catch (e) {
      if (!isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) continue
      await services.store.retireKey(keyId, now)
      retired.push(keyId)
    }
  }
  return retired
}

/**
 * Runs {@link sweepDeletedKeys} now and every `intervalMs` until stopped. Failures wait for the next round (the
 * provider may be briefly unavailable); the timer never keeps the process alive.
 */
export function startDeletionSweeper(
  services: SweepServices,
  intervalMs: number,
  onError: (e: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve()
  const round = (): void => {
    running = sweepDeletedKeys(services).catch(onError)
  }
  round()
  const timer = setInterval(round, intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
