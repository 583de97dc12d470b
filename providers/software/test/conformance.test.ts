import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ManualClock, MemoryKeyStore, type KeyStore } from '@keyward/core'
import { describeKeyProvider, FULL_CONTRACT } from '@keyward/conformance'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import { tempDir } from '@keyward/test-support'

// The software provider implements the whole contract: it is held to FULL_CONTRACT.

function open(store: KeyStore, clock?: ManualClock): SoftwareKeyProvider {
  const provider = new SoftwareKeyProvider({
    store,
    rootKey: RootKey.fromBytes(randomBytes(32)),
    ...(clock ? { clock } : {}),
  })
  return provider
}

describeKeyProvider(
  'software (MemoryKeyStore)',
  async () => {
    const clock = new ManualClock()
    const provider = open(new MemoryKeyStore(), clock)
    return { provider, clock, close: () => provider.close() }
  },
  FULL_CONTRACT,
)

describeKeyProvider(
  'software (SqliteKeyStore)',
  async () => {
    const tmp = tempDir('keyward-conformance-')
    const clock = new ManualClock()
    const provider = open(SqliteKeyStore.open(join(tmp.dir, 'keys.db')), clock)
    return {
      provider,
      clock,
      close: async () => {
        await provider.close()
        tmp.remove()
      },
    }
  },
  FULL_CONTRACT,
)

// The system clock: the same suite without the time-travel cases (its title says they are not registered).
describeKeyProvider(
  'software (system clock)',
  async () => {
    const provider = open(new MemoryKeyStore())
    return { provider, close: () => provider.close() }
  },
  FULL_CONTRACT,
)
