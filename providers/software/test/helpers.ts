import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ManualClock, MemoryKeyStore, type KeyStore } from '@keyward/core'
import { tempDir } from '@keyward/test-support'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'

/** A provider over a fresh store with a manual clock; `dispose` closes it and removes its files. */
export function makeProvider(kind: 'memory' | 'sqlite' = 'memory'): {
  provider: SoftwareKeyProvider
  clock: ManualClock
  rootBytes: Buffer
  path: string
  dispose: () => Promise<void>
} {
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const rootBytes = randomBytes(32)
  const tmp = tempDir('keyward-software-')
  const path = join(tmp.dir, 'keys.db')
  const store: KeyStore = kind === 'sqlite' ? SqliteKeyStore.open(path) : new MemoryKeyStore()
  const provider = new SoftwareKeyProvider({ store, rootKey: RootKey.fromBytes(rootBytes), clock })
  return {
    provider,
    clock,
    rootBytes,
    path,
    dispose: async () => {
      await provider.close()
      tmp.remove()
    },
  }
}

export const DAY_MS = 86_400_000
